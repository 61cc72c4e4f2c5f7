// What a person types as ICE servers: only stun:, turn: and turns: URLs reach RTCPeerConnection.
import { describe, expect, it } from "vitest";
import { parseIceServerUrls } from "./shell-peering.ts";

describe("ICE server settings", () => {
  it("keeps stun:, turn: and turns: URLs, separated by spaces or commas", () => {
    expect(
      parseIceServerUrls(" stun:stun.example.invalid:3478, turn:relay.example.invalid?transport=tcp\nturns:t.example.invalid "),
    ).toEqual(["stun:stun.example.invalid:3478", "turn:relay.example.invalid?transport=tcp", "turns:t.example.invalid"]);
  });

  it.each([
    ["nothing", ""],
    ["a web address", "https://stun.example.invalid"],
    ["a scheme alone", "stun:"],
    ["a script URL", "javascript:alert(1)"],
  ])("ignores %s", (_what, text) => {
    expect(parseIceServerUrls(text)).toEqual([]);
  });
});
