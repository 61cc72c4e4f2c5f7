// What a person types as ICE servers: only stun:, turn: and turns: URLs reach RTCPeerConnection.
import { describe, expect, it } from "vitest";
import { parseIceServerUrls } from "./shell-peering.ts";

describe("ICE server settings", () => {
  it("keeps stun:, turn: and turns: URLs, separated by spaces or commas", () => {
    expect(parseIceServerUrls(" stun:stun.example.org:3478, turn:relay.example.org?transport=tcp\nturns:t.example.org ")).toEqual([
      "stun:stun.example.org:3478",
      "turn:relay.example.org?transport=tcp",
      "turns:t.example.org",
    ]);
  });

  it.each([
    ["nothing", ""],
    ["a web address", "https://stun.example.org"],
    ["a scheme alone", "stun:"],
    ["a script URL", "javascript:alert(1)"],
  ])("ignores %s", (_what, text) => {
    expect(parseIceServerUrls(text)).toEqual([]);
  });
});
