import type { Clock } from '@meshping/node-kit';

export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60_000;

/**
 * Failed-login counters over a sliding 15-minute window. A key (an account, a source address, a
 * trusted device) is blocked while it has MAX_FAILURES failures in the window; it recovers by
 * itself as they age out, so nobody is locked out for longer than the window after the last burst.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  /** Milliseconds until every given key accepts attempts again; 0 when none is blocked. */
  blockedFor(keys: readonly string[]): number {
    const now = this.clock.now();
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= MAX_FAILURES) wait = Math.max(wait, recent[recent.length - MAX_FAILURES] + WINDOW_MS - now);
    }
    return wait;
  }

  fail(keys: readonly string[]): void {
    const now = this.clock.now();
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
  }

  clear(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }
}
