// The embedding API of the 2WAY protocol core (docs/api.md). Runs in Node.js and in a worker;
// no DOM types. Everything here is plain data in, Result out, for anything that can fail.
export { ok, err, type Ok, type Err, type Result } from "./shared/result.ts";
export {
  nodeError,
  interfaceCodeFor,
  isErrorCode,
  stageOf,
  ERROR_CATEGORIES,
  PROTOCOL_ERRORS,
  INTERFACE_ERRORS,
  STAGES,
  type ErrorCategory,
  type ErrorCode,
  type InterfaceErrorCode,
  type NodeError,
  type ProtocolErrorCode,
} from "./shared/errors.ts";
export { canonicalize, canonicalBytes, tryCanonicalize } from "./shared/canonical-json.ts";
export { parseWireJson, DEFAULT_WIRE_JSON_LIMITS, type WireJsonLimits } from "./shared/wire-json.ts";
export type { JsonValue, JsonObject } from "./shared/json.ts";
export { toBase64url, fromBase64url, utf8 } from "./shared/bytes.ts";
export {
  digestId,
  identityIdFromKey,
  objectId,
  parseEnvelopeId,
  parseIdentityId,
  parseObjectId,
  parseObjectRef,
  publicKeyText,
  resolveObjectRef,
  type EnvelopeId,
  type IdentityId,
  type ObjectId,
  type ObjectRef,
  type PublicKeyText,
} from "./shared/ids.ts";
export {
  sha256,
  createSigner,
  createVerifier,
  isWebCryptoEd25519Available,
  type Ed25519Engine,
  type Ed25519Verifier,
  type Signer,
  type VerifyVerdict,
} from "./crypto/index.ts";
export * from "./wire/index.ts";

// ---- the node kernel (docs/api.md "Node") ----
export {
  createNode,
  type NodeOptions,
  type TwoWayNode,
  type Session,
  type WriteResult,
  type HistoryEntry,
  type HeldIdentity,
} from "./node.ts";
export {
  MAX_RECOVERY_FILE_BYTES,
  parseRecoveryFile,
  type RecoveryExport,
  type RecoveryFileHeader,
  type RestoreResult,
  type RotationResult,
  type PairingOffer,
} from "./identity/index.ts";
export type { AppInfo, AppPackage } from "./app/index.ts";
export {
  buildPackage,
  compareVersions,
  openPackage,
  packageDigest,
  signPackage,
  DEFAULT_PACKAGE_LIMITS,
  type BuiltPackage,
  type PackageLimits,
  type PackageSource,
  type Publisher,
  type VerifiedPackage,
} from "./app/index.ts";
export type { GraphReadRequest, GraphReadResult, GraphRow, IngestOutcome, IntegrityReport, StateDigest } from "./graph/index.ts";
export type { AuditRecord, AuditQuery, AuditKind, ChainBreak, ChainReport } from "./log/index.ts";
export { describeBreak } from "./log/index.ts";
export type { HealthSnapshot } from "./health/index.ts";
export type { KeyRecord } from "./key/index.ts";
export { MIN_PASSPHRASE_LENGTH, RECOVERY_KDF, deriveRecoveryKeys } from "./key/index.ts";
export type { SchemaDocument } from "./schema/index.ts";
export { manualClock, systemClock, type Clock } from "./shared/clock.ts";
export type { IdbEnvironment } from "./shared/idb.ts";
// The worker keeps installed package bytes in their own database; whoever reads one reopens it through the node.
export { openPackageDatabase, type PackageDatabase, type StoredPackage } from "./storage/index.ts";

// ---- transports (ADR 0008): the worker's end of a channel the page owns ----
export {
  createPortTransport,
  CLOSE_REASONS,
  DEFAULT_TRANSPORT_LIMITS,
  type PortHostMessage,
  type PortNodeMessage,
  type PortTransportOptions,
  type SessionStatus,
  type SyncSession,
  type Transport,
  type TransportLimits,
  type TransportState,
} from "./network/index.ts";
