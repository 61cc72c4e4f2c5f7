// The protocol version this node speaks (public design 01-protocol/11): [major, minor, patch].
// Immutable; declared in every handshake. A major mismatch is fatal.
export type ProtocolVersion = readonly [major: number, minor: number, patch: number];

export const PROTOCOL_VERSION: ProtocolVersion = [2, 0, 0];

/** Wire profile v2 (DESIGN §3): the `envelope_version` every envelope and stub carries. */
export const ENVELOPE_VERSION = 2;
