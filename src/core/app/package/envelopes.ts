// envelopes.json: the publisher's signed chain that carries this version's schema (DESIGN D8). The
// node ingests these exact texts, so every node that installs the package holds byte-identical
// schema objects. This file checks only what the package itself must say — one root-key chain of the
// publisher from its genesis, schema objects only — and leaves every stateful rule to the Graph.
import { canonicalize } from "../../shared/canonical-json.ts";
import { isJsonObject, type JsonValue } from "../../shared/json.ts";
import { ok, type Result } from "../../shared/result.ts";
import { APP_SCHEMA_TYPE_KEY } from "../../schema/index.ts";
import {
  IDENTITY_TYPE_KEY,
  SYSTEM_APP,
  validateEnvelope,
  type EnvelopeValidationOptions,
  type VerifiedEnvelope,
} from "../../wire/index.ts";
import { err } from "../../shared/result.ts";
import { invalidDocument, invalidPackage, packageError } from "./package-error.ts";

export type PublisherChain = {
  readonly texts: readonly string[];
  /** The publisher's identity id, as its genesis envelope declares it. */
  readonly publisherId: string;
  readonly publisherName: string;
  /** The last envelope: it creates this version's `system.app_schema` object (op 0). */
  readonly schemaEnvelopeId: string;
};

export async function checkPublisherChain(
  value: JsonValue,
  publisherKey: string,
  schema: JsonValue,
  maxEnvelopes: number,
  options: EnvelopeValidationOptions,
): Promise<Result<PublisherChain>> {
  if (!isJsonObject(value) || Object.keys(value).some((k) => k !== "envelopes") || !Array.isArray(value["envelopes"]))
    return invalidDocument("envelopes_invalid", 'envelopes.json must be { "envelopes": [ envelope texts ] }.');
  const texts = value["envelopes"] as readonly JsonValue[];
  if (texts.length < 2 || texts.length > maxEnvelopes)
    return invalidPackage("envelopes_count", `envelopes.json holds 2 to ${maxEnvelopes} envelopes.`, { limit: maxEnvelopes });
  const chain: VerifiedEnvelope[] = [];
  for (const [index, text] of texts.entries()) {
    if (typeof text !== "string") return invalidDocument("envelopes_invalid", "Each envelope must be its canonical text.", { index });
    // The envelope's own code wins (D6: the earliest stage decides); index says which one.
    const verified = await validateEnvelope(text, options);
    if (!verified.ok) return err({ ...verified.error, data: { ...verified.error.data, index } });
    const link = checkLink(verified.value, chain.at(-1), publisherKey, index);
    if (!link.ok) return link;
    chain.push(verified.value);
  }
  const genesis = chain[0]!.envelope;
  const last = chain.at(-1)!;
  const carried = (last.envelope.content.ops[0]!.payload as { value?: { schema?: JsonValue } }).value?.schema;
  if (carried === undefined || canonicalize(carried) !== canonicalize(schema))
    return invalidPackage("schema_mismatch", "The last envelope does not carry schema.json.", { index: chain.length - 1 });
  const name = (genesis.content.ops[0]!.payload as { value?: { name?: unknown } }).value?.name;
  return ok({
    texts: chain.map((e) => e.text),
    publisherId: genesis.author_id,
    publisherName: typeof name === "string" ? name : "",
    schemaEnvelopeId: last.id,
  });
}

/** Envelope i must be seq i+1 of the publisher's root key, linked to envelope i-1 by prev. */
function checkLink(env: VerifiedEnvelope, previous: VerifiedEnvelope | undefined, publisherKey: string, index: number): Result<void> {
  const { envelope } = env;
  const p = envelope.content;
  if (envelope.author_key !== publisherKey || env.keyRole !== "root")
    return err(
      packageError("ERR_CRYPTO_AUTHOR_MISMATCH", "not_publisher", "An envelope is not signed by the package's publisher key.", { index }),
    );
  if (p.app !== SYSTEM_APP || envelope.seq !== index + 1 || envelope.prev !== (previous?.id ?? null))
    return invalidPackage("chain_broken", "envelopes.json must be the publisher's chain from its genesis.", { index });
  if (previous !== undefined && previous.envelope.author_id !== envelope.author_id)
    return invalidPackage("chain_broken", "envelopes.json must be one publisher's chain.", { index });
  const op = p.ops.length === 1 ? p.ops[0]! : undefined;
  const expected = index === 0 ? { domain: "identity", type: IDENTITY_TYPE_KEY } : { domain: "apps", type: APP_SCHEMA_TYPE_KEY };
  if (op === undefined || op.op !== "parent_create" || op.type_key !== expected.type || p.domain !== expected.domain)
    return invalidPackage(
      "chain_unexpected_op",
      index === 0 ? "The chain must open with the publisher's identity." : "After its genesis the chain may only create app schemas.",
      { index },
    );
  return ok(undefined);
}
