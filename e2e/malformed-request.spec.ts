// Journey 5: a malformed request from the page gets a coded error and changes nothing: global_seq,
// history and the state digest stay exactly as they were.
import assert from "node:assert/strict";
import { watchPageErrors, type E2eCase } from "./support/harness.ts";
import { addContactOps, assertNoPageErrors, createIdentityThroughUi, nodeCall, nodeValue } from "./support/shell.ts";

const MALFORMED: readonly { method: string; args: unknown[]; code: RegExp; what: string }[] = [
  { method: "submit", args: [], what: "no request", code: /^ERR_STRUCT_INVALID_TYPE$/ },
  { method: "submit", args: ["write everything"], what: "a string", code: /^ERR_STRUCT_INVALID_TYPE$/ },
  { method: "submit", args: [{ app: "app.contacts", domain: "contacts" }], what: "no ops", code: /^ERR_STRUCT_MISSING_FIELD$/ },
  {
    method: "submit",
    args: [{ ...addContactOps("x"), app: "../system" }],
    what: "a bad app name",
    code: /^ERR_STRUCT_INVALID_IDENTIFIER$/,
  },
  {
    method: "submit",
    args: [{ ...addContactOps("x"), ops: [{ op: "parent_create" }] }],
    what: "an op without type",
    code: /^ERR_STRUCT_MISSING_FIELD$/,
  },
  { method: "submit", args: [{ ...addContactOps("x"), admin: true }], what: "an unknown field", code: /^ERR_STRUCT_INVALID_TYPE$/ },
  {
    method: "submit",
    args: [{ ...addContactOps("x"), ops: Array.from({ length: 65 }, () => addContactOps("x").ops) }],
    what: "too many ops",
    code: /^ERR_STRUCT_INVALID_TYPE$/,
  },
  {
    method: "submit",
    args: [{ ...addContactOps("x"), identityId: "someone-else" }],
    what: "a bad identity id",
    code: /^ERR_STRUCT_INVALID_IDENTIFIER$/,
  },
  { method: "history", args: [{ limit: -1 }], what: "a negative limit", code: /^ERR_STRUCT_INVALID_TYPE$/ },
  { method: "createIdentity", args: [{ name: "x".repeat(65) }], what: "a too-long name", code: /^ERR_STRUCT_INVALID_TYPE$/ },
  { method: "importEnvelopes", args: [{ envelopes: [42] }], what: "an envelope that is not text", code: /^ERR_STRUCT_INVALID_TYPE$/ },
  {
    method: "syncAttach",
    args: [{ port: "not a port", label: "x", via: "relay" }],
    what: "a cloned, not transferred, port",
    code: /^ERR_STRUCT_INVALID_TYPE$/,
  },
  {
    method: "syncDetach",
    args: [{ sessionId: "peer-999" }],
    what: "a session that does not exist",
    code: /^ERR_STRUCT_INVALID_IDENTIFIER$/,
  },
  { method: "deleteEverything", args: [], what: "an unknown method", code: /^object_invalid$/ },
];

export const cases: E2eCase[] = [
  {
    name: "malformed requests from the page get coded errors (ERR_STRUCT_*, object_invalid) and change nothing",
    async run({ baseUrl, launch }) {
      const { page } = await launch();
      const errors = watchPageErrors(page);
      await page.goto(baseUrl);
      await createIdentityThroughUi(page, "Ada");
      await nodeValue(page, "submit", addContactOps("grace"));
      const seqBefore = (await nodeValue(page, "health")).globalSeq;
      const historyBefore = await nodeValue(page, "history", { limit: 200 });
      const digestBefore = await nodeValue(page, "stateDigest");
      const identitiesBefore = await nodeValue(page, "listIdentities");

      for (const request of MALFORMED) {
        const result = await nodeCall(page, request.method, ...request.args);
        assert.equal(result.ok, false, `${request.what} was accepted`);
        if (result.ok) continue;
        assert.match(result.error.code, request.code, `${request.what}: ${result.error.code} ${result.error.message}`);
        assert.equal(typeof result.error.message, "string");
        assert.equal(typeof result.error.category, "string");
        assert.equal(typeof result.error.data, "object");
      }

      // Well-formed at the port but not an envelope: the node refuses that one item, with its code.
      const imported = await nodeValue(page, "importEnvelopes", { envelopes: ["{}"] });
      assert.equal(imported.accepted, 0);
      assert.match(imported.rejected[0].code, /^ERR_STRUCT_/);

      assert.equal((await nodeValue(page, "health")).globalSeq, seqBefore);
      assert.deepEqual(await nodeValue(page, "history", { limit: 200 }), historyBefore);
      assert.deepEqual(await nodeValue(page, "stateDigest"), digestBefore);
      assert.deepEqual(await nodeValue(page, "listIdentities"), identitiesBefore);
      assertNoPageErrors(errors);
    },
  },
];
