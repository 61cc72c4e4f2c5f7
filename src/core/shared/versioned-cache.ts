// A value read once and reused until what it was read from changes (issue 17: the shell resolved its
// default identity with two storage reads on every submit).

/**
 * `read()` once, shared by every caller, until `version()` moves. The version is taken before the
 * read starts, so a change while it runs leaves the answer stale-marked and the next call reads again.
 * An answer `keep` refuses (an error) is not cached.
 */
export function versionedCache<T>(version: () => number, read: () => Promise<T>, keep: (value: T) => boolean): () => Promise<T> {
  let cached: { readonly at: number; readonly value: Promise<T> } | undefined;
  return () => {
    const at = version();
    if (cached !== undefined && cached.at === at) return cached.value;
    const entry = { at, value: read() };
    cached = entry;
    void entry.value.then(
      (value) => {
        if (!keep(value) && cached === entry) cached = undefined;
      },
      () => {
        if (cached === entry) cached = undefined;
      },
    );
    return entry.value;
  };
}
