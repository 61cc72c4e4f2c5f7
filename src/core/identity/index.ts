// The identity module's only entry point (ADR 0021): the recovery file and restoring from it.
// It writes through the Graph and keeps keys through the Key manager, both handed in as ports.
export {
  createRecoveryFlows,
  isRecoveryBinding,
  RECOVERY_ROLE,
  type RecoveryExport,
  type RecoveryFlows,
  type RecoveryPorts,
  type RestoreResult,
} from "./recovery-flows.ts";
export { rotateDeviceKey, type RotationPorts, type RotationResult } from "./rotation.ts";
export {
  buildRecoveryFileText,
  historyDigest,
  parseRecoveryFile,
  sealingContext,
  MAX_RECOVERY_FILE_BYTES,
  RECOVERY_FORMAT_VERSION,
  RECOVERY_NOTICE,
  type RecoveryEntry,
  type RecoveryFile,
  type RecoveryFileHeader,
} from "./recovery-file.ts";
export { createDeviceFlows, type DeviceEntry, type DeviceFlows, type DevicePorts, type Removal } from "./devices.ts";
export { MAX_CONFIRM_ATTEMPTS, type PairingStatus } from "./pairing-flows.ts";
export {
  confirmCode,
  encodePairingCode,
  isInviteReach,
  parsePairingCode,
  PAIRING_CODE_LIFETIME_MS,
  type PairingOffer,
  type PairingReach,
} from "./pairing-code.ts";
export {
  createLocalIdentities,
  type HeldIdentity,
  type LocalIdentities,
  type LocalIdentityPorts,
  type UsableIdentity,
} from "./local-identities.ts";
export { createNodeBinding, nodeBindingMessage, ownerOfNodeKey, NODE_KEY_TYPE, type NodeBinding, type NodePerson } from "./node-binding.ts";
