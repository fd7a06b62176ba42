import type { Clock } from '@meshping/node-kit';

export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60_000;
/** Above this many keys, entries with nothing left in the window are swept out. */
const SWEEP_ABOVE = 10_000;

/**
 * Failed-login counters over a sliding 15-minute window. A key (an account, a source address, a
 * trusted device) is blocked while it has MAX_FAILURES failures in the window; it recovers by
 * itself as they age out, so nobody is locked out for longer than the window after the last burst.
 *
 * An attempt is counted when it starts (attempt()), not when its password check ends: a burst of
 * parallel guesses is held to the same limit as a sequence. A success takes its count back.
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

  /** Counts an attempt on every key; returns the time stamp to hand to succeeded(). */
  attempt(keys: readonly string[]): number {
    const now = this.clock.now();
    if (this.failures.size > SWEEP_ABOVE) this.sweep(now);
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
    return now;
  }

  /** The attempt turned out right: it no longer counts, and the success clears `clearKey`. */
  succeeded(keys: readonly string[], stamp: number, clearKey: string): void {
    for (const key of keys) {
      const list = this.failures.get(key);
      const i = list?.lastIndexOf(stamp) ?? -1;
      if (list && i >= 0) list.splice(i, 1);
    }
    this.failures.delete(clearKey);
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  private sweep(now: number): void {
    for (const key of [...this.failures.keys()]) this.recent(key, now);
  }
}
