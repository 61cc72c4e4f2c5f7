// The parts of the WebRTC wrapper that need no browser: candidate filtering and the check of the far
// side's signal. The connection itself is tested in Chromium (webrtc-transport.browser.test.ts).
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_SIGNAL_BYTES, filterCandidates, loopbackOnly, parseSignal } from "./webrtc-peer.ts";

const LOOPBACK_UDP = "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0 network-id 1";
const LOOPBACK_TCP = "a=candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0";
const LAN = "a=candidate:3 1 udp 2122194687 192.0.2.2 50001 typ host generation 0";
const IPV6 = "a=candidate:4 1 udp 2122131711 fd00::2 50002 typ host generation 0";
const MDNS = "a=candidate:5 1 udp 2122260223 4c1e2c1e-0000-4000-8000-000000000000.local 50003 typ host";
const SRFLX = "a=candidate:6 1 udp 1686052607 203.0.113.9 50004 typ srflx raddr 127.0.0.1 rport 50000";

function sdp(...candidates: string[]): string {
  return ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", ...candidates, ""].join(
    "\r\n",
  );
}

describe("loopbackOnly", () => {
  it("lets only 127.0.0.1 candidates through, with or without the a= prefix", () => {
    expect(loopbackOnly(LOOPBACK_UDP)).toBe(true);
    expect(loopbackOnly(LOOPBACK_TCP)).toBe(true);
    expect(loopbackOnly(LOOPBACK_UDP.slice(2))).toBe(true);
    for (const line of [LAN, IPV6, MDNS, SRFLX, "a=candidate:garbage", "", "127.0.0.1"]) expect(loopbackOnly(line)).toBe(false);
  });
});

describe("filterCandidates", () => {
  it("drops refused candidate lines and keeps every other line", () => {
    const filtered = filterCandidates(sdp(LOOPBACK_UDP, LAN, IPV6, MDNS, SRFLX, LOOPBACK_TCP), loopbackOnly);
    expect(filtered).toBe(sdp(LOOPBACK_UDP, LOOPBACK_TCP));
  });
});

describe("parseSignal", () => {
  const offer = { type: "offer", sdp: sdp(LOOPBACK_UDP) };

  it("accepts exactly {type, sdp} of the expected type", () => {
    expect(parseSignal(offer, "offer", DEFAULT_MAX_SIGNAL_BYTES)).toEqual({ ok: true, value: offer });
    expect(parseSignal({ ...offer, type: "answer" }, "answer", DEFAULT_MAX_SIGNAL_BYTES).ok).toBe(true);
  });

  const invalid: readonly [string, unknown][] = [
    ["null", null],
    ["a string", JSON.stringify(offer)],
    ["an array", [offer]],
    ["an extra field", { ...offer, candidate: {} }],
    ["a missing sdp", { type: "offer" }],
    ["a trickle candidate", { type: "candidate", candidate: { candidate: LOOPBACK_UDP } }],
    ["a renegotiate request", { type: "offer", renegotiate: true }],
    ["a pranswer", { type: "pranswer", sdp: offer.sdp }],
    ["a non-string sdp", { type: "offer", sdp: 1 }],
    ["an sdp that is no session description", { type: "offer", sdp: "hello" }],
  ];
  for (const [what, data] of invalid) {
    it(`refuses ${what} (ERR_STRUCT_INVALID_TYPE signal_invalid)`, () => {
      expect(parseSignal(data, "offer", DEFAULT_MAX_SIGNAL_BYTES)).toMatchObject({
        ok: false,
        error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "signal_invalid" } },
      });
    });
  }

  it("refuses the wrong type for this side (signal_unexpected)", () => {
    expect(parseSignal(offer, "answer", DEFAULT_MAX_SIGNAL_BYTES)).toMatchObject({
      ok: false,
      error: { code: "ERR_STRUCT_INVALID_TYPE", data: { reason: "signal_unexpected" } },
    });
  });

  it("refuses an sdp over the size bound before looking inside (ERR_RESOURCE_RATE_LIMIT signal_too_large)", () => {
    const big = { type: "offer", sdp: sdp(...new Array<string>(200).fill(LOOPBACK_UDP)) };
    expect(big.sdp.length).toBeGreaterThan(DEFAULT_MAX_SIGNAL_BYTES);
    expect(parseSignal(big, "offer", DEFAULT_MAX_SIGNAL_BYTES)).toMatchObject({
      ok: false,
      error: { code: "ERR_RESOURCE_RATE_LIMIT", data: { reason: "signal_too_large", limit: DEFAULT_MAX_SIGNAL_BYTES } },
    });
  });
});
