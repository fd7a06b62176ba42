import type { Logger } from '@nestjs/common';

/** How long one source's repeats of one event are folded into a single count. */
export const LOG_THROTTLE_INTERVAL_MS = 10_000;
/** Distinct (event, source) keys logged one by one per interval; beyond that only one summary line. */
const MAX_KEYS_PER_INTERVAL = 100;

/**
 * Warnings caused by what peers send (bad frames, refused handshakes, oversized messages) are
 * folded: the first of an event from a source in an interval is logged at once, its repeats are
 * only counted and logged as one line with the count when the interval ends. A flood of 100,000 bad
 * frames from 200 sockets costs at most a few hundred lines, never one line per frame (67,295
 * lines, 17 MB in 10 s, before this).
 */
export class LogThrottle {
  private counts = new Map<string, { event: string; source: string; repeats: number; detail: Record<string, unknown> }>();
  /** Keys over MAX_KEYS_PER_INTERVAL in this interval, per event: counted, logged once. */
  private overflow = new Map<string, { sources: Set<string>; count: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly intervalMs = LOG_THROTTLE_INTERVAL_MS,
  ) {}

  /** Logs `{event, remote: source, ...detail}` unless this source logged this event in the current interval. */
  warn(event: string, source: string, detail: Record<string, unknown> = {}): void {
    const key = `${event}\u0000${source}`;
    const seen = this.counts.get(key);
    this.schedule();
    if (seen) {
      seen.repeats++;
      seen.detail = detail;
      return;
    }
    if (this.counts.size >= MAX_KEYS_PER_INTERVAL) {
      let o = this.overflow.get(event);
      if (!o) this.overflow.set(event, (o = { sources: new Set(), count: 0 }));
      if (o.sources.size < 10_000) o.sources.add(source);
      o.count++;
      return;
    }
    this.counts.set(key, { event, source, repeats: 0, detail });
    this.logger.warn({ event, remote: source, ...detail });
  }

  /** Writes the counts of the interval that ended (also called by its timer). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const counts = this.counts;
    const overflow = this.overflow;
    this.counts = new Map();
    this.overflow = new Map();
    for (const c of counts.values()) {
      if (c.repeats) this.logger.warn({ event: c.event, remote: c.source, repeats: c.repeats, intervalMs: this.intervalMs, last: c.detail });
    }
    for (const [event, o] of overflow) this.logger.warn({ event, sources: o.sources.size, count: o.count, intervalMs: this.intervalMs, note: 'more sources than are logged one by one' });
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }
}
