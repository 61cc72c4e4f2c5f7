// The node port's argument checks: every malformed request gets one coded error before the node
// sees it; well-formed ones pass through unchanged.
import { describe, expect, it } from "vitest";
import {
  checkArgumentCount,
  parseAppRequest,
  parseCreateIdentity,
  parsePackageRequest,
  parseExportRequest,
  parseImport,
  parseNoArguments,
  parsePage,
  parseRead,
  parseSubmit,
  parseSyncAttach,
  parseSyncDetach,
} from "./node-api-requests.ts";
import { PORT_LIMITS } from "./node-api.ts";

const IDENTITY = "A".repeat(43);
const op = { op: "parent_create", type_key: "contact.profile", payload: { value: { handle: "ada" } } };
const write = { app: "app.contacts", domain: "contacts", ops: [op] };

function codeOf(result: { ok: boolean; error?: { code: string } } | { ok: true; value: unknown }): string | undefined {
  return result.ok ? undefined : (result as { error: { code: string } }).error.code;
}

describe("node port requests", () => {
  it("accepts a well-formed write and keeps it as given", () => {
    expect(parseSubmit([write])).toEqual({ ok: true, value: write });
    expect(parseSubmit([{ ...write, identityId: IDENTITY, traceId: "t-1" }])).toEqual({
      ok: true,
      value: { ...write, identityId: IDENTITY, traceId: "t-1" },
    });
  });

  it.each([
    ["no request", [], "ERR_STRUCT_INVALID_TYPE"],
    ["a list", [[write]], "ERR_STRUCT_INVALID_TYPE"],
    ["a second argument (ERR_STRUCT_INVALID_TYPE)", [write, {}], "ERR_STRUCT_INVALID_TYPE"],
    ["an unknown field", [{ ...write, sudo: true }], "ERR_STRUCT_INVALID_TYPE"],
    ["a missing domain (ERR_STRUCT_MISSING_FIELD)", [{ app: "app.contacts", ops: [op] }], "ERR_STRUCT_MISSING_FIELD"],
    ["a bad app name (ERR_STRUCT_INVALID_IDENTIFIER)", [{ ...write, app: "App Contacts" }], "ERR_STRUCT_INVALID_IDENTIFIER"],
    ["a bad domain", [{ ...write, domain: "../x" }], "ERR_STRUCT_INVALID_IDENTIFIER"],
    ["no ops", [{ ...write, ops: [] }], "ERR_STRUCT_INVALID_TYPE"],
    ["too many ops", [{ ...write, ops: Array.from({ length: PORT_LIMITS.maxOps + 1 }, () => op) }], "ERR_STRUCT_INVALID_TYPE"],
    ["an op that is not an object", [{ ...write, ops: ["parent_create"] }], "ERR_STRUCT_INVALID_TYPE"],
    ["an op without payload", [{ ...write, ops: [{ op: "parent_create", type_key: "contact.profile" }] }], "ERR_STRUCT_MISSING_FIELD"],
    [
      "a value that is not JSON (ERR_STRUCT_INVALID_ENCODING)",
      [{ ...write, ops: [{ ...op, payload: { value: { n: Number.NaN } } }] }],
      "ERR_STRUCT_INVALID_ENCODING",
    ],
    [
      "an oversized write",
      [{ ...write, ops: [{ ...op, payload: { value: { text: "x".repeat(PORT_LIMITS.maxRequestChars) } } }] }],
      "ERR_STRUCT_INVALID_TYPE",
    ],
    ["a bad identity id", [{ ...write, identityId: "me" }], "ERR_STRUCT_INVALID_IDENTIFIER"],
    ["a bad trace id", [{ ...write, traceId: "has spaces" }], "ERR_STRUCT_INVALID_IDENTIFIER"],
  ])("rejects a write with %s", (_what, args, code) => {
    expect(codeOf(parseSubmit(args))).toBe(code);
  });

  it("checks page requests: defaults, bounds and types", () => {
    expect(parsePage([])).toEqual({ ok: true, value: { beforeSeq: undefined, limit: PORT_LIMITS.defaultPageLimit } });
    expect(parsePage([{ beforeSeq: 10, limit: 5 }])).toEqual({ ok: true, value: { beforeSeq: 10, limit: 5 } });
    expect(codeOf(parsePage([{ limit: 0 }]))).toBe("ERR_STRUCT_INVALID_TYPE");
    expect(codeOf(parsePage([{ limit: PORT_LIMITS.maxPageLimit + 1 }]))).toBe("ERR_STRUCT_INVALID_TYPE");
    expect(codeOf(parsePage([{ beforeSeq: 1.5 }]))).toBe("ERR_STRUCT_INVALID_TYPE");
    expect(codeOf(parsePage([{ after: 1 }]))).toBe("ERR_STRUCT_INVALID_TYPE");
    expect(parseExportRequest([{ afterSeq: 0 }])).toEqual({ ok: true, value: { afterSeq: 0, limit: PORT_LIMITS.maxExportLimit } });
    expect(codeOf(parseExportRequest([{ afterSeq: -1 }]))).toBe("ERR_STRUCT_INVALID_TYPE");
  });

  it("checks identity names, reads, imports and argument counts", () => {
    expect(parseCreateIdentity([{ name: "  Ada  " }])).toEqual({ ok: true, value: { name: "Ada" } });
    expect(codeOf(parseCreateIdentity([{ name: " " }]))).toBe("ERR_STRUCT_INVALID_TYPE");
    expect(codeOf(parseCreateIdentity([{}]))).toBe("ERR_STRUCT_MISSING_FIELD");
    expect(parseRead([{ app: "app.contacts", query: { target: "parent" } }]).ok).toBe(true);
    expect(codeOf(parseRead([{ app: "app.contacts", query: "all" }]))).toBe("ERR_STRUCT_INVALID_TYPE");
    expect(parseImport([{ envelopes: ["{}"] }]).ok).toBe(true);
    expect(codeOf(parseImport([{ envelopes: [] }]))).toBe("ERR_STRUCT_INVALID_TYPE");
    expect(codeOf(parseImport([{ envelopes: ["x".repeat(PORT_LIMITS.maxEnvelopeChars + 1)] }]))).toBe("ERR_STRUCT_INVALID_TYPE");
    expect(parseNoArguments([]).ok).toBe(true);
    expect(codeOf(parseNoArguments([undefined]))).toBe("ERR_STRUCT_INVALID_TYPE");
    expect(checkArgumentCount([1, 2], 2).ok).toBe(true);
  });

  describe("sync requests", () => {
    const reasonOf = (result: { ok: boolean }) => (result as { error?: { data: { reason: string } } }).error?.data.reason;

    it("accepts a transferred port with a label and how it was found", () => {
      const { port1, port2 } = new MessageChannel();
      const parsed = parseSyncAttach([{ port: port1, label: "Ben's laptop", via: "relay" }]);
      expect(parsed).toMatchObject({ ok: true, value: { label: "Ben's laptop", via: "relay" } });
      expect((parsed as { value: { port: unknown } }).value.port).toBe(port1);
      port1.close();
      port2.close();
      expect(parseSyncDetach([{ sessionId: "peer-12" }])).toEqual({ ok: true, value: { sessionId: "peer-12" } });
    });

    it.each([
      ["no request", [], "ERR_STRUCT_INVALID_TYPE", "not_an_object"],
      ["a port that is not a MessagePort", [{ port: {}, label: "x", via: "relay" }], "ERR_STRUCT_INVALID_TYPE", "not_a_port"],
      ["a missing port", [{ label: "x", via: "relay" }], "ERR_STRUCT_MISSING_FIELD", "missing_field"],
      ["an empty label", [{ port: "P", label: "", via: "relay" }], "ERR_STRUCT_INVALID_TYPE", "invalid_label"],
      ["a label of 65 characters", [{ port: "P", label: "x".repeat(65), via: "relay" }], "ERR_STRUCT_INVALID_TYPE", "invalid_label"],
      ["an unknown way of meeting", [{ port: "P", label: "x", via: "carrier_pigeon" }], "ERR_STRUCT_INVALID_TYPE", "invalid_via"],
      ["an unknown field", [{ port: "P", label: "x", via: "relay", identity: "me" }], "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
      ["a second argument", [{ port: "P", label: "x", via: "relay" }, {}], "ERR_STRUCT_INVALID_TYPE", "too_many_arguments"],
    ])("refuses an attach with %s (%s)", (_what, args, code, reason) => {
      const { port1, port2 } = new MessageChannel();
      // "P" stands for a real port, so each row breaks exactly one rule.
      const real = (args as unknown[]).map((a) =>
        typeof a === "object" && a !== null && (a as { port?: unknown }).port === "P" ? { ...a, port: port1 } : a,
      );
      const parsed = parseSyncAttach(real);
      expect(codeOf(parsed)).toBe(code);
      expect(reasonOf(parsed)).toBe(reason);
      port1.close();
      port2.close();
    });

    it.each([
      ["no request", [], "ERR_STRUCT_INVALID_TYPE", "not_an_object"],
      ["a session id not made by the node", [{ sessionId: "../peer-1" }], "ERR_STRUCT_INVALID_TYPE", "invalid_session_id"],
      ["a number", [{ sessionId: 3 }], "ERR_STRUCT_INVALID_TYPE", "invalid_session_id"],
      ["an unknown field", [{ sessionId: "peer-1", force: true }], "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
    ])("refuses a detach with %s (%s)", (_what, args, code, reason) => {
      const parsed = parseSyncDetach(args);
      expect(codeOf(parsed)).toBe(code);
      expect(reasonOf(parsed)).toBe(reason);
    });
  });
});

describe("app package and app requests", () => {
  const zip = new Uint8Array([80, 75, 5, 6]);
  const pkg = { zip, signature: "{}" };

  it("accepts package bytes as a Uint8Array or an ArrayBuffer, and copies them", () => {
    const parsed = parsePackageRequest([pkg]);
    expect(parsed).toEqual({ ok: true, value: { zip, signature: "{}" } });
    expect(parsed.ok && parsed.value.zip).not.toBe(zip);
    expect(parsePackageRequest([{ zip: zip.buffer, signature: "{}", identityId: IDENTITY }])).toEqual({
      ok: true,
      value: { zip, signature: "{}", identityId: IDENTITY },
    });
  });

  it.each([
    ["no request", [], "ERR_STRUCT_INVALID_TYPE", "not_an_object"],
    ["two arguments", [pkg, pkg], "ERR_STRUCT_INVALID_TYPE", "too_many_arguments"],
    ["an unknown field", [{ ...pkg, trust: true }], "ERR_STRUCT_INVALID_TYPE", "unknown_field"],
    ["no zip", [{ signature: "{}" }], "ERR_STRUCT_MISSING_FIELD", "missing_field"],
    ["no signature", [{ zip }], "ERR_STRUCT_MISSING_FIELD", "missing_field"],
    ["a zip that is text", [{ ...pkg, zip: "PK" }], "ERR_STRUCT_INVALID_TYPE", "not_bytes"],
    ["a zip that is a list of numbers", [{ ...pkg, zip: [80, 75] }], "ERR_STRUCT_INVALID_TYPE", "not_bytes"],
    ["an empty zip", [{ ...pkg, zip: new Uint8Array() }], "ERR_STRUCT_INVALID_TYPE", "out_of_range"],
    ["an oversized zip", [{ ...pkg, zip: new Uint8Array(PORT_LIMITS.maxPackageBytes + 1) }], "ERR_STRUCT_INVALID_TYPE", "out_of_range"],
    ["a signature that is not text", [{ ...pkg, signature: {} }], "ERR_STRUCT_INVALID_TYPE", "out_of_range"],
    ["an empty signature", [{ ...pkg, signature: "" }], "ERR_STRUCT_INVALID_TYPE", "out_of_range"],
    [
      "an oversized signature",
      [{ ...pkg, signature: "x".repeat(PORT_LIMITS.maxSignatureChars + 1) }],
      "ERR_STRUCT_INVALID_TYPE",
      "out_of_range",
    ],
    ["a bad identity id", [{ ...pkg, identityId: "me" }], "ERR_STRUCT_INVALID_IDENTIFIER", "invalid_identity_id"],
  ])("rejects a package request with %s", (_what, args, code, reason) => {
    expect(parsePackageRequest(args)).toMatchObject({ ok: false, error: { code, data: { reason } } });
  });

  it("accepts an app request naming a slug", () => {
    expect(parseAppRequest([{ slug: "app.notes" }])).toEqual({ ok: true, value: { slug: "app.notes" } });
  });

  it.each([
    ["no request", [], "ERR_STRUCT_INVALID_TYPE"],
    ["two arguments", [{ slug: "notes" }, {}], "ERR_STRUCT_INVALID_TYPE"],
    ["no slug", [{}], "ERR_STRUCT_MISSING_FIELD"],
    ["an unknown field", [{ slug: "notes", app_id: 1 }], "ERR_STRUCT_INVALID_TYPE"],
    ["a slug that is not an app name", [{ slug: "../notes" }], "ERR_STRUCT_INVALID_IDENTIFIER"],
    ["a slug that is a number", [{ slug: 3 }], "ERR_STRUCT_INVALID_IDENTIFIER"],
  ])("rejects an app request with %s", (_what, args, code) => {
    expect(codeOf(parseAppRequest(args))).toBe(code);
  });
});
