// The transport layer of the Network manager: the byte-message port, the in-memory loopback with
// fault injection, the MessagePort transport to a channel host, and the session frame codec with
// the signed hello (ADR 0008).
export {
  CLOSE_REASONS,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_TRANSPORT_LIMITS,
  checkTransportLimits,
  sendRefusals,
  type Transport,
  type TransportLimits,
  type TransportState,
} from "./transport.ts";
export {
  createLoopbackTransportPair,
  type LoopbackControl,
  type LoopbackOptions,
  type LoopbackPair,
  type LoopbackTransport,
} from "./loopback.ts";
export {
  createPortTransport,
  isPortReason,
  PORT_PROTOCOL_ERROR,
  type PortHostMessage,
  type PortNodeMessage,
  type PortTransportOptions,
} from "./port-transport.ts";
export type { Faults } from "./faults.ts";
export { deflateFrame, inflateFrame, isDeflated, markDeflated, DEFLATE_MIN_BYTES, DEFLATED_MARK } from "./deflate.ts";
export { formatTrace, previewBytes, type Side, type TraceEntry, type TraceFate } from "./trace.ts";
export {
  checkFrameStructure,
  decodeFrame,
  encodeFrame,
  helloSignedValue,
  versionText,
  FRAME_KINDS,
  FRAME_LIMITS,
  NONCE_BYTES,
  PRE_ADMISSION_KINDS,
  PRE_ADMISSION_MAX_FRAME_BYTES,
  type AdmittedFrame,
  type ChallengeFrame,
  type CloseFrame,
  type CursorsFrame,
  type ProgressFrame,
  type DomainsFrame,
  type ErrorFrame,
  type FrameCodecOptions,
  type FrameKind,
  type HaveFrame,
  type HelloFrame,
  type PackageMessage,
  type SessionFrame,
  type SolutionFrame,
  type WantFrame,
} from "./frames.ts";
export {
  buildHello,
  checkProtocolCompatibility,
  newSessionNonce,
  speaksDeflate,
  verifyHello,
  type EffectiveVersion,
  type HelloFields,
  type VerifiedHello,
  type VerifyHelloOptions,
} from "./hello.ts";
