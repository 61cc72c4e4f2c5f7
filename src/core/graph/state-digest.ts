// One canonical hash of the materialized graph: objects, their winning values and suppression, in
// id order. No local sequence numbers go in, so nodes holding the same envelopes get the same digest.
import { createSha256 } from "../crypto/index.ts";
import { toBase64url, utf8 } from "../shared/bytes.ts";
import { canonicalize } from "../shared/canonical-json.ts";
import type { NodeStorage } from "../storage/index.ts";

export type StateDigest = { readonly digest: string; readonly objects: number };

/** Narrows the digest to one app, or one sync domain (`app` and `domain`), to compare what peers share. */
export type DigestScope = { readonly app?: string; readonly domain?: string };

export async function stateDigest(storage: NodeStorage, scope: DigestScope = {}): Promise<StateDigest> {
  const hasher = createSha256();
  let objects = 0;
  await storage.forEachObject((row) => {
    if ((scope.app !== undefined && row.app !== scope.app) || (scope.domain !== undefined && row.domain !== scope.domain)) return;
    objects += 1;
    const line = canonicalize([
      row.id,
      row.app,
      row.kind,
      row.typeKey,
      row.owner,
      row.parent,
      row.dst,
      row.domain,
      row.createdAt,
      row.suppressed,
      row.winner.envelopeId,
      row.winner.opIndex,
      row.winner.value,
    ]);
    hasher.update(utf8(`${line}\n`));
  });
  return { digest: toBase64url(hasher.digest()), objects };
}
