// The Key manager's only entry point: private-key custody (generate, store, sign) behind explicit
// (scope, key id) calls. Other modules import from here, never from the files behind it.
export { createKeyManager, MAX_LABEL_LENGTH } from "./key-manager.ts";
export {
  KEY_SCOPES,
  isKeyScope,
  type KeyListFilter,
  type KeyManager,
  type KeyManagerOptions,
  type KeyRecord,
  type KeyScope,
} from "./types.ts";
export {
  checkPassphrase,
  generateRecoveryKey,
  openRecoveryKey,
  parseSealedKey,
  deriveRecoveryKeys,
  MIN_PASSPHRASE_LENGTH,
  RECOVERY_KDF,
  type KdfParameters,
  type RecoveryKey,
  type SealedKey,
} from "./recovery-seal.ts";
