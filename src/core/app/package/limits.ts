// Bounds on an app package (DESIGN D8). Every one is checked before the bytes it guards are
// decompressed or parsed, so a hostile package costs at most these amounts of work and memory.

export type PackageLimits = {
  /** The raw ZIP as received. */
  readonly maxPackageBytes: number;
  /** Entries in the central directory, directories included. */
  readonly maxEntries: number;
  /** One file after decompression, as declared by its header and then as produced. */
  readonly maxFileBytes: number;
  /** All files after decompression. */
  readonly maxTotalBytes: number;
  /** A path inside the ZIP, in characters. */
  readonly maxPathLength: number;
  /** Path segments, so `frontend/a/b/c.js` has four. */
  readonly maxPathDepth: number;
  /** manifest.json, schema.json, acl.json, envelopes.json: each a small JSON document. */
  readonly maxDocumentBytes: number;
  /** Envelopes in envelopes.json (the publisher's chain up to this version's schema). */
  readonly maxEnvelopes: number;
};

export const DEFAULT_PACKAGE_LIMITS: PackageLimits = Object.freeze({
  maxPackageBytes: 8 * 1024 * 1024,
  maxEntries: 512,
  maxFileBytes: 4 * 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
  maxPathLength: 160,
  maxPathDepth: 8,
  maxDocumentBytes: 256 * 1024,
  maxEnvelopes: 64,
});
