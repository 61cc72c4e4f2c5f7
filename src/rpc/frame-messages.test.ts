// The shell reads exactly one message shape from a frame; every other shape is ignored.
import { describe, expect, it } from "vitest";
import { parsePickRequest, parsePickResult, PICK_CONTACT_REQUEST, PICK_CONTACT_RESULT } from "./frame-messages.ts";

describe("frame messages", () => {
  it("accepts a pick request of exactly { type, requestId }", () => {
    expect(parsePickRequest({ type: PICK_CONTACT_REQUEST, requestId: "r-1" })).toBe("r-1");
  });

  it.each([
    ["null", null],
    ["a string", PICK_CONTACT_REQUEST],
    ["an array", [PICK_CONTACT_REQUEST, "r"]],
    ["another type", { type: "twoway.app-port", requestId: "r" }],
    ["a missing id", { type: PICK_CONTACT_REQUEST }],
    ["a numeric id", { type: PICK_CONTACT_REQUEST, requestId: 7 }],
    ["an empty id", { type: PICK_CONTACT_REQUEST, requestId: "" }],
    ["a long id", { type: PICK_CONTACT_REQUEST, requestId: "r".repeat(65) }],
    ["an id with markup", { type: PICK_CONTACT_REQUEST, requestId: "<img>" }],
    ["an extra field (an app naming another app)", { type: PICK_CONTACT_REQUEST, requestId: "r", app: "app.contacts" }],
    ["a class instance", Object.assign(new (class Msg {})(), { type: PICK_CONTACT_REQUEST, requestId: "r" })],
  ])("ignores %s", (_, data) => {
    expect(parsePickRequest(data)).toBeUndefined();
  });

  it("reads only the answer to its own request", () => {
    const result = { ok: true, value: { name: "Grace", handle: "grace", identityId: null } };
    expect(parsePickResult({ type: PICK_CONTACT_RESULT, requestId: "a", result }, "a")).toEqual(result);
    expect(parsePickResult({ type: PICK_CONTACT_RESULT, requestId: "b", result }, "a")).toBeUndefined();
    expect(parsePickResult({ type: PICK_CONTACT_REQUEST, requestId: "a", result }, "a")).toBeUndefined();
    expect(parsePickResult({ type: PICK_CONTACT_RESULT, requestId: "a", result: "yes" }, "a")).toBeUndefined();
  });
});
