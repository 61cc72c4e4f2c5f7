// Who a socket counts against for the relay's per-address limits: an IPv4 address, or the /64 of an
// IPv6 address (one host usually holds a whole /64, so per-address IPv6 would be no limit at all).
// Pure string work; an address it cannot read counts as one shared "unknown" key, never as none.

const UNKNOWN = "unknown";

/** The limit key of a socket's `remoteAddress`. */
export function addressKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined || remoteAddress.length === 0 || remoteAddress.length > 64) return UNKNOWN;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  if (mapped) return mapped[1]!;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(remoteAddress)) return remoteAddress;
  const groups = expandIpv6(remoteAddress.split("%")[0]!);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : UNKNOWN;
}

/** The eight 16-bit groups of an IPv6 address, lower-case and unpadded; `undefined` if it is not one. */
function expandIpv6(text: string): string[] | undefined {
  const halves = text.toLowerCase().split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string): string[] | undefined => {
    if (part.length === 0) return [];
    const groups = part.split(":");
    return groups.every((g) => /^[0-9a-f]{1,4}$/.test(g)) ? groups.map((g) => parseInt(g, 16).toString(16)) : undefined;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...Array<string>(missing).fill("0"), ...tail] : undefined;
}
