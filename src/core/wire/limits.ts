// Size and count limits for one envelope, checked before any expensive work (crypto, storage).
// Defaults follow the public design's budget proposal (data-security digest §9 D8).
export type EnvelopeLimits = {
  /** UTF-8 bytes of the whole canonical envelope. */
  readonly maxEnvelopeBytes: number;
  /** UTF-8 bytes of one canonical op. */
  readonly maxOpBytes: number;
  readonly maxOps: number;
  readonly maxDeps: number;
  /** JSON nesting depth of the whole envelope, values included. */
  readonly maxDepth: number;
};

export const DEFAULT_ENVELOPE_LIMITS: EnvelopeLimits = {
  maxEnvelopeBytes: 262_144,
  maxOpBytes: 65_536,
  maxOps: 256,
  maxDeps: 64,
  maxDepth: 32,
};
