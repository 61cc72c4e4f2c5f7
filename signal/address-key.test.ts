// Per-address limit keys: IPv4 as is, IPv4-mapped IPv6 as its IPv4, IPv6 by /64, anything else shared.
import { describe, expect, it } from "vitest";
import { addressKey } from "./address-key.ts";

describe("addressKey", () => {
  it.each([
    ["127.0.0.2", "127.0.0.2"],
    ["::ffff:192.168.1.9", "192.168.1.9"],
    ["::FFFF:10.0.0.1", "10.0.0.1"],
    ["2001:db8:0:1:aaaa:bbbb:cccc:dddd", "2001:db8:0:1::/64"],
    ["2001:0db8:0000:0001::1", "2001:db8:0:1::/64"],
    ["2001:db8:0:1::2", "2001:db8:0:1::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
  ])("keys %s as %s", (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it("puts two hosts of one IPv6 /64 under one key and two /64s under two", () => {
    expect(addressKey("2001:db8:0:1::a")).toBe(addressKey("2001:db8:0:1:ffff::b"));
    expect(addressKey("2001:db8:0:1::a")).not.toBe(addressKey("2001:db8:0:2::a"));
  });

  it.each([[undefined], [""], ["not an address"], ["1:2:3:4:5:6:7:8:9"], ["1::2::3"], ["12345::1"], ["a".repeat(65)]])(
    "keys an unreadable address %j as the shared 'unknown' (never as no limit)",
    (address) => {
      expect(addressKey(address)).toBe("unknown");
    },
  );
});
