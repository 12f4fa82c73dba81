/**
 * Which IP addresses a webhook of a tenant must not reach: loopback, private, link-local (cloud
 * metadata at 169.254.169.254), CGNAT, benchmark, documentation, multicast, broadcast, reserved and
 * unspecified ranges, and every IPv6 form that carries an IPv4 address inside it (mapped, compatible,
 * translated, NAT64, 6to4, Teredo), judged by that IPv4 address. Input is an address as text, as the
 * URL parser leaves it (decimal, octal and hex IPv4 spellings are already dotted quads by then) or as
 * DNS returns it; brackets and an IPv6 zone are ignored.
 */

/** [network, prefix length] */
const V4_BLOCKED: Array<[number, number]> = [
  [0x00000000, 8], // 0/8 "this network" (0.0.0.0 reaches the local host)
  [0x0a000000, 8], // 10/8 private
  [0x64400000, 10], // 100.64/10 CGNAT
  [0x7f000000, 8], // 127/8 loopback
  [0xa9fe0000, 16], // 169.254/16 link-local, cloud metadata
  [0xac100000, 12], // 172.16/12 private
  [0xc0000000, 24], // 192.0.0/24 IETF protocol assignments
  [0xc0000200, 24], // 192.0.2/24 documentation
  [0xc0586300, 24], // 192.88.99/24 6to4 relay anycast
  [0xc0a80000, 16], // 192.168/16 private
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xc6336400, 24], // 198.51.100/24 documentation
  [0xcb007100, 24], // 203.0.113/24 documentation
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, and 255.255.255.255 broadcast
];

/** IPv6 ranges refused outright: [first groups, prefix length]. */
const V6_BLOCKED: Array<[number[], number]> = [
  [[0x0064, 0xff9b, 0x0001], 48], // 64:ff9b:1::/48 local-use NAT64
  [[0x0100, 0, 0, 0], 64], // 100::/64 discard-only
  [[0x2001, 0x0002, 0], 48], // 2001:2::/48 benchmarking
  [[0x2001, 0x0010], 28], // 2001:10::/28 ORCHID
  [[0x2001, 0x0020], 28], // 2001:20::/28 ORCHIDv2
  [[0x2001, 0x0db8], 32], // 2001:db8::/32 documentation
  [[0x3fff], 20], // 3fff::/20 documentation
  [[0xfc00], 7], // fc00::/7 unique local
  [[0xfe80], 10], // fe80::/10 link-local
  [[0xfec0], 10], // fec0::/10 site-local (deprecated)
  [[0xff00], 8], // ff00::/8 multicast
];

export function parseV4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Eight 16-bit groups, or undefined when not an IPv6 address. */
export function parseV6(text: string): number[] | undefined {
  if (!text.includes(":")) return undefined;
  let head = text;
  let tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const v4 = parseV4(dotted[2]!);
    if (v4 === undefined) return undefined;
    head = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
    tail = [v4 >>> 16, v4 & 0xffff];
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...left, ...right].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const known = left.length + right.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const zeros = Array<number>(8 - known).fill(0);
  return [...left.map((g) => parseInt(g, 16)), ...zeros, ...right.map((g) => parseInt(g, 16)), ...tail];
}

function v4Blocked(n: number): boolean {
  return V4_BLOCKED.some(([net, bits]) => n >>> (32 - bits) === net >>> (32 - bits));
}

function inPrefix(groups: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i * 16 < bits; i++) {
    const take = Math.min(16, bits - i * 16);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((groups[i]! & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

const v4At = (g: number[], i: number) => ((g[i]! << 16) | g[i + 1]!) >>> 0;

/** The IPv4 address an IPv6 address stands for or tunnels to, where it carries one. */
function embeddedV4(g: number[]): number[] {
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && (g[5] === 0xffff || g[5] === 0)) return [v4At(g, 6)]; // ::ffff:a.b.c.d mapped, ::a.b.c.d compatible
  if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) return [v4At(g, 6)]; // ::ffff:0:a.b.c.d translated
  if (inPrefix(g, [0x64, 0xff9b, 0, 0, 0, 0], 96)) return [v4At(g, 6)]; // 64:ff9b::/96 NAT64
  if (g[0] === 0x2002) return [v4At(g, 1)]; // 6to4
  if (g[0] === 0x2001 && g[1] === 0) return [v4At(g, 2), ~v4At(g, 6) >>> 0]; // Teredo: server, client (inverted)
  return [];
}

/** Whether an IP address (v4 or v6, as text) is one a tenant's webhook must not reach. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  const n = parseV4(bare);
  if (n !== undefined) return v4Blocked(n);
  const g = parseV6(bare);
  if (g === undefined) return true; // not an address we understand: never a safe target
  if (g.slice(0, 7).every((x) => x === 0) && g[7]! <= 1) return true; // :: and ::1
  if (V6_BLOCKED.some(([prefix, bits]) => inPrefix(g, prefix, bits))) return true;
  return embeddedV4(g).some(v4Blocked);
}

/** Whether a URL host is written as an IP address (rather than a name to resolve). */
export function isAddressLiteral(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return parseV4(bare) !== undefined || parseV6(bare.replace(/%.*$/, "")) !== undefined;
}
