// The device methods' argument checks (ADR 0025): each malformed request gets one coded error.
import { describe, expect, it } from "vitest";
import type { Result } from "../core/index.ts";
import { parsePairingBegin, parsePairingCode, parsePairingConfirm, parseRemoveDevice } from "./device-requests.ts";

function codeOf(result: Result<unknown>): string {
  return result.ok ? "ok" : `${result.error.code}/${String(result.error.data.reason)}`;
}

describe("device request checks", () => {
  it("takes well-formed requests and drops an empty label", () => {
    expect(parsePairingBegin([{ relay: "ws://127.0.0.1:8787", room: "r", label: "  " }])).toEqual({
      ok: true,
      value: { relay: "ws://127.0.0.1:8787", room: "r" },
    });
    expect(parsePairingBegin([{ invite: "twoway1.o.x", label: "Phone" }])).toEqual({
      ok: true,
      value: { invite: "twoway1.o.x", label: "Phone" },
    });
    expect(codeOf(parsePairingConfirm([{ code: "2way-pair:x", confirmCode: "123456", label: "Phone" }]))).toBe("ok");
    expect(codeOf(parseRemoveDevice([{ publicKey: "A".repeat(43) }]))).toBe("ok");
  });

  it("refuses what is not one plain object, unknown fields, non-text and overlong fields (ERR_STRUCT_INVALID_TYPE)", () => {
    expect(codeOf(parsePairingCode([]))).toBe("ERR_STRUCT_INVALID_TYPE/not_an_object");
    expect(codeOf(parsePairingCode(["2way-pair:x"]))).toBe("ERR_STRUCT_INVALID_TYPE/not_an_object");
    expect(codeOf(parsePairingCode([{ code: "x" }, {}]))).toBe("ERR_STRUCT_INVALID_TYPE/too_many_arguments");
    expect(codeOf(parsePairingCode([{ code: "x", extra: 1 }]))).toBe("ERR_STRUCT_INVALID_TYPE/unknown_field");
    expect(codeOf(parsePairingCode([{ code: 5 }]))).toBe("ERR_STRUCT_INVALID_TYPE/invalid_field");
    expect(codeOf(parsePairingCode([{ code: "x".repeat(12_001) }]))).toBe("ERR_STRUCT_INVALID_TYPE/invalid_field");
    expect(codeOf(parsePairingBegin([{ relay: "ws://x", room: "r", label: "l".repeat(65) }]))).toBe(
      "ERR_STRUCT_INVALID_TYPE/invalid_field",
    );
    expect(codeOf(parsePairingBegin([{ relay: "ws://x", room: "r", invite: "twoway1.o.x" }]))).toBe("ERR_STRUCT_INVALID_TYPE/two_reaches");
  });

  it("refuses a missing field (ERR_STRUCT_MISSING_FIELD) and a malformed key (ERR_STRUCT_INVALID_IDENTIFIER)", () => {
    expect(codeOf(parsePairingBegin([{ relay: "ws://x" }]))).toBe("ERR_STRUCT_MISSING_FIELD/missing_field");
    expect(codeOf(parsePairingBegin([{ label: "Phone" }]))).toBe("ERR_STRUCT_MISSING_FIELD/missing_field");
    expect(codeOf(parsePairingConfirm([{ code: "x" }]))).toBe("ERR_STRUCT_MISSING_FIELD/missing_field");
    expect(codeOf(parseRemoveDevice([{ publicKey: "short" }]))).toBe("ERR_STRUCT_INVALID_IDENTIFIER/invalid_key_id");
  });
});
