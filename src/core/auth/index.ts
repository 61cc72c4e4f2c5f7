// The Auth manager's only entry point (architecture 04, interfaces 13): sessions, tokens, frontend
// key registration, and the OperationContext type. Local contexts are minted only inside this module.
export {
  createAuthManager,
  DEFAULT_AUTH_LIMITS,
  type AuthenticateRequest,
  type AuthLimits,
  type AuthManager,
  type AuthManagerOptions,
  type KeyOwnerLookup,
  type OpenSessionRequest,
  type Registration,
  type ServerKey,
  type SessionGrant,
} from "./auth-manager.ts";
export {
  ACTOR_TYPES,
  buildRemoteContext,
  checkContext,
  enrichContext,
  isOperationContext,
  type ActorType,
  type ContextEnrichment,
  type LocalContext,
  type OperationContext,
  type RemoteContext,
  type RemoteContextFields,
} from "./operation-context.ts";
export {
  MAX_DEVICE_METADATA_ENTRIES,
  parseRfc3339,
  signRegistration,
  verifyRegistrationResponse,
  type RegistrationDraft,
  type RegistrationPayload,
  type RegistrationRequest,
  type RegistrationResponse,
} from "./registration.ts";
export { TOKEN_LENGTH } from "./token-store.ts";
