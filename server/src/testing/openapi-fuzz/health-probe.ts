import { readFileSync } from 'node:fs';
import { send } from './send';

/** Microseconds some task on this machine waited for a CPU, so far (Linux PSI); null where not available. */
function cpuWaitUs(): number | null {
  try {
    return Number(/^some .* total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? NaN) || null;
  } catch {
    return null;
  }
}

export interface HealthAnswer {
  at: number;
  status: number;
  ms: number;
  /** The longest the probe's own process went without running while it waited (its timer's lateness). */
  ownStallMs: number;
  /** The share of the wait during which some task on the machine waited for a CPU (Linux PSI "some"), 0..1. */
  cpuPressure: number;
  /** What the fuzzer was sending meanwhile. */
  during: string;
}

const TICK_MS = 10;

/**
 * GET /api/health every `everyMs` while the fuzz runs; keeps each answer's status and time. A 10-ms
 * ticker measures how late this process itself runs: on a machine short of CPU an answer can be
 * slow because the prober was not scheduled, which says nothing about the server; the kernel's CPU
 * pressure (PSI) over the same wait tells whether the machine as a whole was short of CPU. A server
 * whose own event loop is blocked makes no such pressure: it is one busy thread.
 */
export class HealthProbe {
  readonly answers: HealthAnswer[] = [];
  readonly failures: string[] = [];
  private running = true;
  private loop?: Promise<void>;
  private ticker?: NodeJS.Timeout;
  private lastTick = 0;
  private stallSince = 0;

  constructor(
    private readonly url: string,
    private readonly during: () => string,
    private readonly source = '127.0.0.2',
  ) {}

  start(everyMs: number): void {
    this.lastTick = performance.now();
    this.ticker = setInterval(() => {
      const now = performance.now();
      this.stallSince = Math.max(this.stallSince, now - this.lastTick - TICK_MS);
      this.lastTick = now;
    }, TICK_MS);
    this.loop = (async () => {
      while (this.running) {
        const at = Date.now();
        const during = this.during();
        this.stallSince = 0;
        const waitedBefore = cpuWaitUs();
        try {
          const a = await send(this.url, { method: 'GET', path: '/api/health', headers: { accept: 'application/json' }, label: 'health' }, 10_000, this.source);
          const waited = waitedBefore === null ? 0 : (cpuWaitUs() ?? waitedBefore) - waitedBefore;
          this.answers.push({ at, status: a.status, ms: a.ms, ownStallMs: this.stallSince, cpuPressure: Math.min(1, waited / 1000 / a.ms), during });
        } catch (err) {
          this.failures.push(`${new Date(at).toISOString()}: ${(err as Error).message} (during ${during})`);
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    clearInterval(this.ticker);
  }

  get maxMs(): number {
    return Math.max(0, ...this.answers.map((a) => a.ms));
  }

  /**
   * Answers at or over `boundMs`, split: `excused` when this process itself stalled for at least
   * `stallMs` meanwhile, or tasks waited for a CPU during at least `pressure` of the wait (the
   * machine, not the server, was busy); `slow` otherwise.
   */
  over(boundMs: number, stallMs: number, pressure: number): { slow: HealthAnswer[]; excused: HealthAnswer[] } {
    const over = this.answers.filter((a) => a.ms >= boundMs);
    const busy = (a: HealthAnswer) => a.ownStallMs >= stallMs || a.cpuPressure >= pressure;
    return { slow: over.filter((a) => !busy(a)), excused: over.filter(busy) };
  }
}
