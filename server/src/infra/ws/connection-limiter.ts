import { isIPv6 } from 'node:net';

export interface ConnectionLimits {
  /** Connections from one address (an IPv6 /64) that have not authenticated yet. */
  unauthenticatedPerAddress: number;
  /** Connections from one address, authenticated or not (a NAT'd fleet shares one). */
  perAddress: number;
  /** Connections not authenticated yet, from all addresses together. */
  unauthenticatedTotal: number;
}

/**
 * The agent socket's limits (docs/operations.md). An unauthenticated connection may hold at most
 * a few 16-KiB frames for at most 10 s, so 64 of them per address bound what one address can make
 * the server hold to ~4 MiB, and 1,024 in all to ~64 MiB; a fleet of 1,000 agents reconnecting
 * through one NAT after a restart authenticates in milliseconds each and retries with back-off,
 * so 64 waiting at once is plenty. Authenticated links (approved, pending or on hold) count only
 * against the per-address total, sized for the largest fleet the server is built for (1,000
 * agents) four times over.
 */
export const AGENT_SOCKET_LIMITS: ConnectionLimits = { unauthenticatedPerAddress: 64, perAddress: 4_096, unauthenticatedTotal: 1_024 };

/** One admitted connection's place in the counts; both calls may come more than once. */
export interface ConnectionSlot {
  readonly address: string;
  /** The connection authenticated: it no longer counts as unauthenticated. */
  authenticated(): void;
  /** The connection is gone. */
  release(): void;
}

/** Counts connections per address and refuses those over the limits, at the HTTP upgrade. */
export class ConnectionLimiter {
  private readonly byAddress = new Map<string, { unauthenticated: number; total: number }>();
  private unauthenticated = 0;

  constructor(public limits: ConnectionLimits) {}

  /** A slot for one more unauthenticated connection from `address`, or the limit it would break. */
  admit(address: string): { ok: true; slot: ConnectionSlot } | { ok: false; reason: string } {
    const key = addressKey(address);
    const counts = this.byAddress.get(key) ?? { unauthenticated: 0, total: 0 };
    if (counts.unauthenticated >= this.limits.unauthenticatedPerAddress) {
      return { ok: false, reason: `${counts.unauthenticated} connections from ${key} are not authenticated yet (limit ${this.limits.unauthenticatedPerAddress})` };
    }
    if (counts.total >= this.limits.perAddress) return { ok: false, reason: `${counts.total} connections from ${key} (limit ${this.limits.perAddress})` };
    if (this.unauthenticated >= this.limits.unauthenticatedTotal) {
      return { ok: false, reason: `${this.unauthenticated} connections are not authenticated yet (limit ${this.limits.unauthenticatedTotal})` };
    }
    counts.unauthenticated++;
    counts.total++;
    this.unauthenticated++;
    this.byAddress.set(key, counts);
    let waiting = true;
    let open = true;
    const leaveUnauthenticated = () => {
      if (!waiting) return;
      waiting = false;
      counts.unauthenticated--;
      this.unauthenticated--;
    };
    return {
      ok: true,
      slot: {
        address: key,
        authenticated: leaveUnauthenticated,
        release: () => {
          if (!open) return;
          open = false;
          leaveUnauthenticated();
          counts.total--;
          if (counts.total === 0) this.byAddress.delete(key);
        },
      },
    };
  }

  /** Current counts (for tests and metrics). */
  count(address: string): { unauthenticated: number; total: number; unauthenticatedAll: number } {
    const c = this.byAddress.get(addressKey(address));
    return { unauthenticated: c?.unauthenticated ?? 0, total: c?.total ?? 0, unauthenticatedAll: this.unauthenticated };
  }
}

/**
 * What one client is counted as: an IPv4 address as it is, an IPv6 address as its /64 (one host
 * usually holds a whole /64, so counting single addresses would limit nothing).
 */
export function addressKey(address: string): string {
  const plain = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1').replace(/%.*$/, '');
  if (!isIPv6(plain)) return plain;
  const [head, tail = ''] = plain.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = plain.includes('::') && tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) sits in the low 64 bits: it does not change the prefix.
  const groups = plain.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => Number.parseInt(g || '0', 16).toString(16)).join(':')}::/64`;
}
