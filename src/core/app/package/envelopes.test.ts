// The publisher chain inside a package: refused unless it is one root-key chain of the signing
// publisher, from its genesis, creating only app schemas, ending in this version's schema.
import { unzipSync, type Zippable } from "fflate";
import { describe, expect, it } from "vitest";
import { buildEnvelope, SYSTEM_APP } from "../../wire/index.ts";
import { openPackage } from "./index.ts";
import { CREATED_AT, json, notesPackage, notesSchema, publisherSigner, signedZip } from "./test-support/fixtures.ts";

const good = await notesPackage();
const files: Record<string, Uint8Array> = unzipSync(good.zip);
const [genesisText, schemaText] = good.chain as [string, string];
const genesisId = (JSON.parse(schemaText) as { prev: string }).prev;

async function refusalWith(envelopes: unknown, signer = 1) {
  const swapped: Zippable = { ...files, "envelopes.json": json(envelopes) };
  const { zip, signature } = await signedZip(swapped, signer);
  const result = await openPackage(zip, signature);
  if (result.ok) throw new Error("expected a refusal");
  return { code: result.error.code, reason: result.error.data["reason"], index: result.error.data["index"] };
}

async function schemaEnvelope(options: {
  seq?: number;
  prev?: string | null;
  domain?: string;
  typeKey?: string;
  schema?: object;
  n?: number;
}) {
  const built = await buildEnvelope(await publisherSigner(options.n ?? 1), {
    app: SYSTEM_APP,
    domain: options.domain ?? "apps",
    traceId: "t",
    seq: options.seq ?? 2,
    prev: (options.prev === undefined ? genesisId : options.prev) as never,
    lamport: (options.seq ?? 2) - 1,
    createdAt: CREATED_AT,
    ops: [
      {
        op: "parent_create",
        type_key: options.typeKey ?? "system.app_schema",
        payload: { value: { schema: (options.schema ?? notesSchema()) as never } },
      },
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  return built.value.text;
}

describe("envelopes.json is refused", () => {
  it.each([
    ["a list instead of an object", [genesisText, schemaText], "envelope_invalid", "envelopes_invalid"],
    ["an unknown field", { envelopes: [genesisText, schemaText], more: 1 }, "envelope_invalid", "envelopes_invalid"],
    ["one envelope only", { envelopes: [genesisText] }, "object_invalid", "envelopes_count"],
    [
      "an envelope as an object, not its text",
      { envelopes: [genesisText, JSON.parse(schemaText)] },
      "envelope_invalid",
      "envelopes_invalid",
    ],
    ["the envelopes out of order", { envelopes: [schemaText, genesisText] }, "object_invalid", "chain_broken"],
  ])("with %s", async (_, value, code, reason) => {
    expect(await refusalWith(value)).toMatchObject({ code, reason });
  });

  it("with too many envelopes (object_invalid)", async () => {
    expect(await refusalWith({ envelopes: Array(65).fill(genesisText) })).toMatchObject({ reason: "envelopes_count" });
  });

  it("with a tampered envelope: its own wire code, and which one", async () => {
    // Wire v2: changed content no longer matches its signed digest; a changed link breaks the signature.
    const tampered = schemaText.replace('"title"', '"titel"');
    expect(await refusalWith({ envelopes: [genesisText, tampered] })).toMatchObject({ code: "ERR_CRYPTO_DIGEST_MISMATCH", index: 1 });
    const relinked = schemaText.replace('"lamport":1', '"lamport":2');
    expect(await refusalWith({ envelopes: [genesisText, relinked] })).toMatchObject({ code: "ERR_CRYPTO_INVALID_SIGNATURE", index: 1 });
  });

  it("with a chain of another key than the package signer (ERR_CRYPTO_AUTHOR_MISMATCH)", async () => {
    const other = await notesPackage("1.0.0", [], 2);
    expect(await refusalWith({ envelopes: other.chain })).toMatchObject({
      code: "ERR_CRYPTO_AUTHOR_MISMATCH",
      reason: "not_publisher",
      index: 0,
    });
  });

  it("with a schema envelope that skips a seq (object_invalid)", async () => {
    expect(await refusalWith({ envelopes: [genesisText, await schemaEnvelope({ seq: 3 })] })).toMatchObject({
      reason: "chain_broken",
      index: 1,
    });
  });

  it("with a schema envelope linked to another envelope than the genesis (object_invalid)", async () => {
    const elsewhere = (JSON.parse((await notesPackage("1.0.0", [], 2)).chain[1]!) as { prev: string }).prev;
    expect(await refusalWith({ envelopes: [genesisText, await schemaEnvelope({ prev: elsewhere })] })).toMatchObject({
      reason: "chain_broken",
    });
  });

  it("with an envelope that writes anything but an app schema (object_invalid)", async () => {
    const group = await schemaEnvelope({ domain: "groups", typeKey: "system.group" });
    expect(await refusalWith({ envelopes: [genesisText, group] })).toMatchObject({ reason: "chain_unexpected_op", index: 1 });
  });

  it("when the last envelope carries another schema than schema.json (object_invalid)", async () => {
    const other = await schemaEnvelope({ schema: { ...notesSchema(), version: "1.0.1" } });
    expect(await refusalWith({ envelopes: [genesisText, other] })).toMatchObject({ reason: "schema_mismatch", index: 1 });
  });
});
