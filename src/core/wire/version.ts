// The protocol version this node speaks (public design 01-protocol/11): [major, minor, patch].
// Immutable; declared in every handshake. A major mismatch is fatal.
export type ProtocolVersion = readonly [major: number, minor: number, patch: number];

/** 2.1 (ADR 0035) adds deflated frames between two sides that both speak it; nothing else changed since 2.0. */
export const PROTOCOL_VERSION: ProtocolVersion = [2, 1, 0];

/** Wire profile v2 (DESIGN §3): the `envelope_version` every envelope and stub carries. */
export const ENVELOPE_VERSION = 2;
