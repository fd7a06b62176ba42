import { send } from './send';

export interface HealthAnswer {
  at: number;
  status: number;
  ms: number;
  /** The longest the probe's own process went without running while it waited (its timer's lateness). */
  ownStallMs: number;
  /** What the fuzzer was sending meanwhile. */
  during: string;
}

const TICK_MS = 10;

/**
 * GET /api/health every `everyMs` while the fuzz runs; keeps each answer's status and time. A 10-ms
 * ticker measures how late this process itself runs: on a machine short of CPU an answer can be
 * slow because the prober was not scheduled, which says nothing about the server.
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
        try {
          const a = await send(this.url, { method: 'GET', path: '/api/health', headers: { accept: 'application/json' }, label: 'health' }, 10_000, this.source);
          this.answers.push({ at, status: a.status, ms: a.ms, ownStallMs: this.stallSince, during });
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
   * `stallMs` meanwhile (the machine, not the server, was busy), `slow` otherwise.
   */
  over(boundMs: number, stallMs: number): { slow: HealthAnswer[]; excused: HealthAnswer[] } {
    const over = this.answers.filter((a) => a.ms >= boundMs);
    return { slow: over.filter((a) => a.ownStallMs < stallMs), excused: over.filter((a) => a.ownStallMs >= stallMs) };
  }
}
