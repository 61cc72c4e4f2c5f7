// Wire profile v2 (DESIGN §3): envelopes, stubs and sync frames, their grammar, signing and stateless checks.
export { PROTOCOL_VERSION, ENVELOPE_VERSION, type ProtocolVersion } from "./version.ts";
export { DEFAULT_ENVELOPE_LIMITS, type EnvelopeLimits } from "./limits.ts";
export { isAppName, isCanonicalTimestamp, isDomainName, isSyncDomain, isTraceId, isTypeKey } from "./names.ts";
export { checkEnvelopeStructure } from "./structure.ts";
export {
  buildEnvelope,
  contentDigest,
  envelopeId,
  prepareEnvelope,
  signedBytesOf,
  signEnvelope,
  storedEnvelope,
  stubTextOf,
  validateEnvelope,
  validateEnvelopeValue,
  validateLink,
  validateLinkValue,
  type EnvelopeDraft,
  type EnvelopeValidationOptions,
  type UnsignedEnvelope,
} from "./envelope.ts";
export {
  buildPackageFrame,
  checkPackageFrameStructure,
  verifyPackageFrame,
  MAX_FRAME_ENVELOPES,
  type PackageFrame,
  type PackageFrameDraft,
} from "./sync-frame.ts";
export {
  OP_KINDS,
  IDENTITY_TYPE_KEY,
  SYSTEM_APP,
  type Envelope,
  type EnvelopeContent,
  type EnvelopeLink,
  type KeyRole,
  type ObjectKind,
  type Op,
  type OpKind,
  type OpPayload,
  type Stub,
  type VerifiedEnvelope,
  type VerifiedLink,
  type VerifiedStub,
} from "./types.ts";
