import { addressFamily } from '@meshping/protocol';
import { lookup } from 'node:dns/promises';

export type Resolved = { address: string; family: 4 | 6 } | { error: string };

const CACHE_MS = 60_000;

/**
 * Turns a target into an address to ping. IP literals pass through; hostnames go through the
 * system resolver, cached for a minute (TTL-aware re-resolution is issue 5's).
 */
export class TargetResolver {
  private readonly cache = new Map<string, { value: Resolved; until: number }>();

  constructor(private readonly now: () => number) {}

  async resolve(target: string): Promise<Resolved> {
    const family = addressFamily(target);
    if (family) return { address: target, family };
    const hit = this.cache.get(target);
    if (hit && hit.until > this.now()) return hit.value;
    let value: Resolved;
    try {
      const r = await lookup(target);
      value = { address: r.address, family: r.family === 6 ? 6 : 4 };
    } catch (err) {
      value = { error: (err as NodeJS.ErrnoException).code ?? String(err) };
    }
    this.cache.set(target, { value, until: this.now() + CACHE_MS });
    return value;
  }
}
