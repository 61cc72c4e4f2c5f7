// The shell reads exactly two message shapes from a frame; every other shape is ignored.
import { describe, expect, it } from "vitest";
import {
  APP_PORT_MESSAGE,
  APP_READY_MESSAGE,
  isReadyMessage,
  parsePickRequest,
  parsePickResult,
  PICK_CONTACT_REQUEST,
  PICK_CONTACT_RESULT,
} from "./frame-messages.ts";

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

  it("accepts a ready request of exactly { type }", () => {
    expect(isReadyMessage({ type: APP_READY_MESSAGE })).toBe(true);
  });

  it.each([
    ["null", null],
    ["the bare string", APP_READY_MESSAGE],
    ["the port message", { type: APP_PORT_MESSAGE }],
    ["an extra field (an app naming another app)", { type: APP_READY_MESSAGE, app: "app.contacts" }],
    ["a class instance", Object.assign(new (class Msg {})(), { type: APP_READY_MESSAGE })],
  ])("takes no ready request from %s", (_, data) => {
    expect(isReadyMessage(data)).toBe(false);
  });

  it("reads only the answer to its own request", () => {
    const result = { ok: true, value: { name: "Grace", handle: "grace", identityId: null } };
    expect(parsePickResult({ type: PICK_CONTACT_RESULT, requestId: "a", result }, "a")).toEqual(result);
    expect(parsePickResult({ type: PICK_CONTACT_RESULT, requestId: "b", result }, "a")).toBeUndefined();
    expect(parsePickResult({ type: PICK_CONTACT_REQUEST, requestId: "a", result }, "a")).toBeUndefined();
    expect(parsePickResult({ type: PICK_CONTACT_RESULT, requestId: "a", result: "yes" }, "a")).toBeUndefined();
  });
});
