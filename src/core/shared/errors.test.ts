// The error registry: every code has a category, protocol codes a stage, and normalization is total.
import { describe, expect, it } from "vitest";
import { interfaceCodeFor, isErrorCode, nodeError, PROTOCOL_ERRORS, stageOf, INTERFACE_ERRORS } from "./errors.ts";

describe("error registry", () => {
  it("builds plain-data errors with the registry's category and a default message", () => {
    const error = nodeError("ERR_SCHEMA_INVALID_VALUE", undefined, { reason: "too_long" });
    expect(error).toEqual({
      code: "ERR_SCHEMA_INVALID_VALUE",
      category: "schema",
      message: PROTOCOL_ERRORS.ERR_SCHEMA_INVALID_VALUE.message,
      data: { reason: "too_long" },
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual(error); // survives structured clone / Comlink as is
  });

  it("orders protocol stages structural → crypto → schema → authorization → sync → resource (D6)", () => {
    expect(
      [
        "ERR_STRUCT_MISSING_FIELD",
        "ERR_CRYPTO_KEY_REVOKED",
        "ERR_SCHEMA_INVALID_VALUE",
        "ERR_AUTH_NOT_OWNER",
        "ERR_SYNC_RANGE_MISMATCH",
        "ERR_RESOURCE_PUZZLE_FAILED",
      ].map((c) => stageOf(c as never)),
    ).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stageOf("acl_denied")).toBeUndefined();
  });

  it("knows manager codes and their categories", () => {
    expect(isErrorCode("ERR_MNG_STORAGE_TX_ABORTED")).toBe(true);
    expect(nodeError("ERR_MNG_STORAGE_TX_ABORTED").category).toBe("storage");
    expect(nodeError("ERR_MNG_KEY_SCOPE_KEY_MISSING").category).toBe("auth");
    expect(interfaceCodeFor("ERR_MNG_CONFIG_SCHEMA_INVALID")).toBe("config_invalid");
  });

  it("rejects codes outside the registry", () => {
    for (const code of ["ERR_STRUCT", "ERR_MNG_STORAGE_", "ERR_MNG_NOPE_X", "ERR_APP_SERVICE_FOO", "nope"])
      expect(isErrorCode(code)).toBe(false);
  });

  it("normalizes every protocol code to an interface code (04-error-model)", () => {
    for (const code of Object.keys(PROTOCOL_ERRORS)) expect(Object.hasOwn(INTERFACE_ERRORS, interfaceCodeFor(code as never))).toBe(true);
    expect(interfaceCodeFor("ERR_STRUCT_INVALID_IDENTIFIER")).toBe("identifier_invalid");
    expect(interfaceCodeFor("ERR_CRYPTO_INVALID_SIGNATURE")).toBe("auth_invalid");
    expect(interfaceCodeFor("ERR_SCHEMA_TYPE_NOT_ALLOWED")).toBe("schema_unknown_type");
  });
});
