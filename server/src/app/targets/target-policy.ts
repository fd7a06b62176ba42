import { formatIpv6, parseIpv6 } from '@meshping/protocol';
import { BlockList, isIP } from 'node:net';

export interface CidrRange {
  /** Canonical text: network address (host bits cleared) / prefix. */
  text: string;
  network: string;
  prefix: number;
  family: 4 | 6;
}

/** "169.254.0.0/16", "fe80::/10", or a single address (/32, /128); null when it is not one. */
export function parseCidr(input: string): CidrRange | null {
  const [address, bits, ...rest] = input.trim().split('/');
  const family = isIP(address);
  if (rest.length || (family !== 4 && family !== 6)) return null;
  const max = family === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  // Host bits are cleared so that one range has one spelling (192.0.2.7/24 -> 192.0.2.0/24).
  const groups = family === 4 ? address.split('.').map(Number) : (parseIpv6(address) as number[]);
  const width = family === 4 ? 8 : 16;
  const masked = groups.map((g, i) => {
    const keep = Math.min(width, Math.max(0, prefix - i * width));
    return keep === 0 ? 0 : g & (((1 << keep) - 1) << (width - keep));
  });
  const network = family === 4 ? masked.join('.') : formatIpv6(masked);
  return { text: `${network}/${prefix}`, network, prefix, family };
}

/**
 * The admin-set part of the target policy (settings targetAllowRanges, targetDenyRanges), for
 * canonical IP addresses. Matching uses Node's BlockList. Hostnames are not matched: each agent
 * resolves them itself, so the server cannot know where they point.
 */
export class TargetRangePolicy {
  private readonly allow: { range: CidrRange; list: BlockList }[];
  private readonly deny: { range: CidrRange; list: BlockList }[];

  constructor(allow: readonly string[], deny: readonly string[]) {
    this.allow = compile(allow);
    this.deny = compile(deny);
  }

  /** Why the address is refused (naming the setting and the range; read after the address), or null. */
  problem(address: string, family: 4 | 6 | null): string | null {
    if (family === null) return null;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const inRange = (r: { range: CidrRange; list: BlockList }) => r.range.family === family && r.list.check(address, type);
    const denied = this.deny.find(inRange);
    if (denied) return `is in ${denied.range.text}, which the setting targetDenyRanges refuses`;
    if (this.allow.length && !this.allow.some(inRange)) return 'is in none of the ranges of the setting targetAllowRanges';
    return null;
  }
}

function compile(ranges: readonly string[]): { range: CidrRange; list: BlockList }[] {
  return ranges.flatMap((text) => {
    const range = parseCidr(text);
    if (!range) return [];
    const list = new BlockList();
    list.addSubnet(range.network, range.prefix, range.family === 4 ? 'ipv4' : 'ipv6');
    return [{ range, list }];
  });
}
