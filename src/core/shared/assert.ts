// Bugs, not expected failures: an assertion that fails means our own code is wrong. The worker
// boundary catches these, logs them and reports `internal_error` (STYLE: errors and results).
export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
