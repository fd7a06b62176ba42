import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const WINDOW_MS = 10_000;
const WINDOWS = 6;

/** Longest event-loop pauses (ms) in the last complete 10-s window, the last minute, since start. */
export interface EventLoopDelayFigures {
  last10sMs: number;
  lastMinuteMs: number;
  sinceStartMs: number;
}

/**
 * The longest pause of the event loop, sampled every 10 ms by perf_hooks, kept per 10-s window
 * (the last six) and since start: what /metrics says as meshping_event_loop_stall_max_seconds.
 */
export class EventLoopDelayWindows {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly windows: number[] = [];
  private maxSinceStart = 0;
  private timer: NodeJS.Timeout | null = null;

  start(): void {
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), WINDOW_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram.disable();
  }

  figures(): EventLoopDelayFigures {
    const current = this.histogram.max / 1e6;
    return {
      last10sMs: this.windows.at(-1) ?? 0,
      lastMinuteMs: Math.max(current, ...this.windows),
      sinceStartMs: Math.max(this.maxSinceStart, current),
    };
  }

  private rotate(): void {
    const max = this.histogram.max / 1e6;
    this.maxSinceStart = Math.max(this.maxSinceStart, max);
    this.windows.push(max);
    if (this.windows.length > WINDOWS - 1) this.windows.shift();
    this.histogram.reset();
  }
}
