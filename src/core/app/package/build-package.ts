// Packs and signs an app package (the publisher's side of read-package.ts): used by
// `npm run pack-app`, by the built-in app release script and by tests. The publisher's chain is
// state the publisher keeps (its key file): each version appends one schema envelope to it, so
// versions of one publisher never fork its key (two different seq-2 envelopes would withdraw both).
import { zipSync, type Zippable } from "fflate";
import type { Signer } from "../../crypto/index.ts";
import { utf8 } from "../../shared/bytes.ts";
import { canonicalize } from "../../shared/canonical-json.ts";
import type { JsonObject } from "../../shared/json.ts";
import { err, ok, type Result } from "../../shared/result.ts";
import { APP_SCHEMA_TYPE_KEY } from "../../schema/index.ts";
import { buildEnvelope, IDENTITY_TYPE_KEY, SYSTEM_APP, validateEnvelope, type EnvelopeDraft } from "../../wire/index.ts";
import { signPackage } from "./signature.ts";

export type PackageSource = {
  readonly manifest: JsonObject;
  readonly schema: JsonObject;
  readonly acl?: JsonObject;
  /** Files under frontend/, keyed by their path below it; `index.html` is required. */
  readonly frontend: Readonly<Record<string, Uint8Array>>;
};

export type Publisher = {
  readonly signer: Signer;
  readonly name: string;
  /** The envelopes this publisher signed so far, in order (empty for a new publisher). */
  readonly chain: readonly string[];
};

export type BuiltPackage = { readonly zip: Uint8Array; readonly signature: string; readonly chain: readonly string[] };

/** DOS timestamps are local time; a local-time 1980-01-01 makes the bytes independent of clock and zone. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export async function buildPackage(source: PackageSource, publisher: Publisher, createdAt: string): Promise<Result<BuiltPackage>> {
  const chain = await extendChain(publisher, source.schema, createdAt);
  if (!chain.ok) return chain;
  const files: Zippable = {
    "manifest.json": utf8(canonicalize(source.manifest)),
    "schema.json": utf8(canonicalize(source.schema)),
    "envelopes.json": utf8(canonicalize({ envelopes: [...chain.value] })),
  };
  if (source.acl !== undefined) files["acl.json"] = utf8(canonicalize(source.acl));
  for (const path of Object.keys(source.frontend).sort()) files[`frontend/${path}`] = source.frontend[path]!;
  const zip = zipSync(files, { level: 9, mtime: FIXED_MTIME });
  return ok({ zip, signature: await signPackage(publisher.signer, zip), chain: chain.value });
}

/** The chain ending in an envelope that carries `schema`: the existing one if the last already does. */
async function extendChain(publisher: Publisher, schema: JsonObject, createdAt: string): Promise<Result<readonly string[]>> {
  const chain = [...publisher.chain];
  let last = chain.length === 0 ? undefined : await validateEnvelope(chain.at(-1)!);
  if (last !== undefined && !last.ok) return last;
  if (last === undefined) {
    const genesis = await buildEnvelope(
      publisher.signer,
      draft(1, null, createdAt, "identity", "publisher-genesis", IDENTITY_TYPE_KEY, { name: publisher.name }),
    );
    if (!genesis.ok) return genesis;
    chain.push(genesis.value.text);
    last = genesis;
  }
  const carried = (last.value.envelope.content.ops[0]?.payload as { value?: { schema?: JsonObject } } | undefined)?.value?.schema;
  if (carried !== undefined && canonicalize(carried) === canonicalize(schema)) return ok(chain);
  const seq = last.value.envelope.seq + 1;
  const label = (v: unknown) => (typeof v === "string" ? v : "");
  const trace = `schema-${label(schema["app"])}-${label(schema["version"])}`.replace(/[^A-Za-z0-9._:-]/g, "_").slice(0, 128);
  const next = await buildEnvelope(publisher.signer, draft(seq, last.value.id, createdAt, "apps", trace, APP_SCHEMA_TYPE_KEY, { schema }));
  if (!next.ok) return err(next.error);
  chain.push(next.value.text);
  return ok(chain);
}

function draft(
  seq: number,
  prev: EnvelopeDraft["prev"],
  createdAt: string,
  domain: string,
  traceId: string,
  typeKey: string,
  value: JsonObject,
): EnvelopeDraft {
  // A root-key chain with no deps: lamport is one more than prev's, so seq - 1 (ADR 0005).
  return {
    app: SYSTEM_APP,
    domain,
    traceId,
    seq,
    prev,
    lamport: seq - 1,
    createdAt,
    ops: [{ op: "parent_create", type_key: typeKey, payload: { value } }],
  };
}
