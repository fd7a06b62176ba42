import { addressFamily } from '@meshping/protocol';
import { lookup, resolve4, resolve6 } from 'node:dns/promises';

export type Resolved = { address: string; family: 4 | 6 } | { error: string };

/** How long an answer is kept when its TTL cannot be learnt (a name from /etc/hosts, say). */
export const DEFAULT_TTL_MS = 60_000;
/** TTLs are clamped into this range: not re-resolved more often than every 5 s, nor kept over an hour. */
export const MIN_TTL_MS = 5_000;
export const MAX_TTL_MS = 3_600_000;
/** A failed resolution is retried after this long (the target reads "cannot resolve" meanwhile). */
export const FAILURE_TTL_MS = 15_000;

export interface ResolverDeps {
  /** The system resolver (getaddrinfo: /etc/hosts, then DNS), as the rest of the host resolves. */
  lookup(host: string): Promise<{ address: string; family: number }>;
  /** The record's TTL in seconds, from DNS; null when DNS does not know the name. */
  ttl(host: string, family: 4 | 6): Promise<number | null>;
}

const systemDeps: ResolverDeps = {
  lookup: (host) => lookup(host),
  ttl: async (host, family) => {
    try {
      const records = await (family === 4 ? resolve4(host, { ttl: true }) : resolve6(host, { ttl: true }));
      return records.length ? Math.min(...records.map((r) => r.ttl)) : null;
    } catch {
      return null;
    }
  },
};

/**
 * Turns a target into an address to ping. IP literals pass through; hostnames go through the
 * system resolver and are kept for their DNS TTL (clamped to 5 s .. 1 h; 60 s when the TTL is
 * unknown), so a moved host is followed. A failure is kept 15 s and reported as "cannot resolve",
 * never as "no reply". Concurrent lookups of one name share one query.
 */
export class TargetResolver {
  private readonly cache = new Map<string, { value: Resolved; until: number }>();
  private readonly inFlight = new Map<string, Promise<Resolved>>();

  constructor(
    private readonly now: () => number,
    private readonly deps: ResolverDeps = systemDeps,
  ) {}

  async resolve(target: string): Promise<Resolved> {
    const family = addressFamily(target);
    if (family) return { address: target, family };
    const hit = this.cache.get(target);
    if (hit && hit.until > this.now()) return hit.value;
    let pending = this.inFlight.get(target);
    if (!pending) {
      pending = this.query(target).finally(() => this.inFlight.delete(target));
      this.inFlight.set(target, pending);
    }
    return pending;
  }

  private async query(target: string): Promise<Resolved> {
    let value: Resolved;
    let keepMs: number;
    try {
      const r = await this.deps.lookup(target);
      value = { address: r.address, family: r.family === 6 ? 6 : 4 };
      const ttl = await this.deps.ttl(target, value.family);
      keepMs = ttl === null ? DEFAULT_TTL_MS : Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, ttl * 1000));
    } catch (err) {
      value = { error: (err as NodeJS.ErrnoException).code ?? String(err) };
      keepMs = FAILURE_TTL_MS;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(target, { value, until: this.now() + keepMs });
    return value;
  }
}
