import * as z from 'zod/mini';

const ipv4 = z.ipv4();
const ipv6 = z.ipv6();
const hostname = z.hostname();

/**
 * The outcome of checking a probe target: its canonical form (what is stored, compared for
 * uniqueness and sent to agents), or why it is refused.
 */
export type TargetAddressCheck = { ok: true; address: string; family: 4 | 6 | null } | { ok: false; reason: string };

/** The reason for everything that is neither an IP address nor a DNS hostname; every reason reads after "address ". */
export const NOT_AN_ADDRESS = 'must be an IPv4 address, an IPv6 address or a hostname';

/**
 * Checks a probe target (an IPv4 address, an IPv6 address or a DNS hostname) and gives its
 * canonical form: IPv6 compressed and lower case (RFC 5952), an IPv4-mapped IPv6 address as IPv4,
 * a hostname lower case without its trailing dot. A hostname whose last label is numeric
 * (0x7f000001, 127.1, 2130706433, 1.2.3.999) is refused: resolvers read such names as IPv4 in
 * forms nobody can compare (the WHATWG URL rule). Addresses no echo request may go to
 * (unspecified, broadcast, multicast, reserved) are refused whatever the server's settings.
 * Written by hand: this library imports no Node module and no framework (it runs in the browser too).
 */
export function checkTargetAddress(input: string): TargetAddressCheck {
  const a = input.trim();
  if (!a || a.length > 253) return { ok: false, reason: NOT_AN_ADDRESS };
  if (ipv4.safeParse(a).success) return withIpPolicy(a, 4);
  if (ipv6.safeParse(a).success) {
    const groups = parseIpv6(a);
    if (!groups) return { ok: false, reason: NOT_AN_ADDRESS };
    const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
    return mapped ? withIpPolicy(`${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`, 4) : withIpPolicy(formatIpv6(groups), 6);
  }
  if (!hostname.safeParse(a).success) return { ok: false, reason: NOT_AN_ADDRESS };
  const name = a.toLowerCase().replace(/\.$/, '');
  const last = name.slice(name.lastIndexOf('.') + 1);
  if (!name || /^(\d+|0x[0-9a-f]*)$/.test(last)) return { ok: false, reason: NOT_AN_ADDRESS };
  return { ok: true, address: name, family: null };
}

/** The canonical form of a target, or null when it is refused. */
export function canonicalTargetAddress(input: string): string | null {
  const r = checkTargetAddress(input);
  return r.ok ? r.address : null;
}

/**
 * Why an IP address (canonical, as checkTargetAddress gives it) can never be probed, or null.
 * Also for an agent to check what a hostname resolved to.
 */
export function ipAddressProblem(address: string): string | null {
  if (ipv4.safeParse(address).success) {
    const first = Number(address.slice(0, address.indexOf('.')));
    if (first === 0) return 'is an unspecified address (0.0.0.0/8), which cannot be probed';
    if (address === '255.255.255.255') return 'is a broadcast address, which cannot be probed';
    if (first >= 224 && first <= 239) return 'is a multicast address (224.0.0.0/4), which cannot be probed';
    if (first >= 240) return 'is a reserved address (240.0.0.0/4), which cannot be probed';
    return null;
  }
  const groups = parseIpv6(address);
  if (!groups) return NOT_AN_ADDRESS;
  if (groups.every((g) => g === 0)) return 'is the unspecified address (::), which cannot be probed';
  if (groups[0] >> 8 === 0xff) return 'is a multicast address (ff00::/8), which cannot be probed';
  return null;
}

/** A probe target: what checkTargetAddress accepts (the same rule on the server, in agents and in the web app). */
export const targetAddressSchema = z.string().check(z.refine((a) => checkTargetAddress(a).ok, { message: NOT_AN_ADDRESS }));

export function addressFamily(address: string): 4 | 6 | null {
  if (ipv4.safeParse(address).success) return 4;
  if (ipv6.safeParse(address).success) return 6;
  return null;
}

function withIpPolicy(address: string, family: 4 | 6): TargetAddressCheck {
  const problem = ipAddressProblem(address);
  return problem ? { ok: false, reason: problem } : { ok: true, address, family };
}

/** Eight 16-bit groups of a textual IPv6 address (with an optional dotted IPv4 tail), or null. */
export function parseIpv6(text: string): number[] | null {
  let s = text.toLowerCase();
  // A dotted IPv4 tail (::ffff:1.2.3.4) is two groups written another way.
  const dotted = /(^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    if (!ipv4.safeParse(dotted[2]).success) return null;
    const b = dotted[2].split('.').map(Number);
    s = `${s.slice(0, s.length - dotted[2].length)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const part = (h: string) => (h ? h.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)) : []);
  const head = part(halves[0]);
  const rest = halves.length === 2 ? part(halves[1]) : [];
  const explicit = head.length + rest.length;
  if (head.some(Number.isNaN) || rest.some(Number.isNaN) || explicit > 8 || (halves.length === 1 && explicit !== 8)) return null;
  if (halves.length === 2 && explicit === 8) return null;
  return [...head, ...new Array<number>(8 - explicit).fill(0), ...rest];
}

/** RFC 5952: lower-case hex without leading zeros; the longest run (first if tied) of two or more zero groups as "::". */
export function formatIpv6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: readonly number[]) => gs.map((g) => g.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}
