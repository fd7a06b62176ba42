import type { StateTracker } from './state-tracker';

/** How long one synchronous step of the tracker may run before it yields to the event loop. */
export const STEP_BUDGET_MS = 8;

export interface JudgeHooks {
  /** The clock (a sweep is judged at the time it starts, its rows and columns settled when it ends). */
  now(): number;
  /** Lets the event loop run (setImmediate in the server). */
  pause(): Promise<void>;
  /** The tracker settled: what it recorded (tracker.out) is to be written. */
  settled(): void;
  failed(err: unknown): void;
}

interface BatchWork {
  pairs: Int32Array;
  at: Float64Array;
  rtt: Int32Array;
  now: number;
  next: number;
}

interface SweepWork {
  sweep: true;
  done: () => void;
}

/**
 * The tracker's work in the order it came (committed batches, sweeps), in steps of at most
 * STEP_BUDGET_MS: a batch is judged at once when nothing waits and it fits (the usual 10,000-sample
 * commit takes well under a millisecond); the rest of a large one, and anything that comes while
 * work waits, is copied (the store's arrays are only valid during its callback) and judged in
 * later steps, with the time it was committed. Each batch and each sweep ends with a settle, so
 * rows and columns are derived in the same order as before.
 */
export class JudgeQueue {
  private readonly work: (BatchWork | SweepWork)[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly tracker: StateTracker,
    private readonly hooks: JudgeHooks,
    private readonly budgetMs = STEP_BUDGET_MS,
  ) {}

  /** A committed batch (the arrays are read during this call only). */
  stored(pairs: Int32Array, at: Float64Array, rtt: Int32Array, now: number): void {
    let next = 0;
    if (this.work.length === 0) {
      next = this.tracker.judge(pairs, at, rtt, now, 0, performance.now() + this.budgetMs);
      if (next === pairs.length) {
        this.tracker.settle(now);
        this.hooks.settled();
        return;
      }
    }
    this.work.push({ pairs: pairs.slice(next), at: at.slice(next), rtt: rtt.slice(next), now, next: 0 });
    this.run();
  }

  /** A sweep after what is queued; resolves when it is done and settled. */
  sweep(): Promise<void> {
    return new Promise<void>((done) => {
      this.work.push({ sweep: true, done });
      this.run();
    });
  }

  /** Resolves when nothing is left to judge. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private run(): void {
    this.running ??= this.drain().finally(() => {
      this.running = null;
      if (this.work.length) this.run();
    });
  }

  private async drain(): Promise<void> {
    while (this.work.length) {
      await this.hooks.pause();
      const deadline = performance.now() + this.budgetMs;
      do {
        const item = this.work[0];
        try {
          if (this.step(item, deadline)) continue;
        } catch (err) {
          this.hooks.failed(err);
        }
        this.work.shift();
        if ('sweep' in item) item.done();
      } while (this.work.length && performance.now() < deadline);
    }
  }

  /** Works on the first item until the deadline; true when it is not finished yet. */
  private step(item: BatchWork | SweepWork, deadline: number): boolean {
    if ('sweep' in item) {
      if (!this.tracker.sweep(this.hooks.now(), deadline)) return true;
      this.tracker.settle(this.hooks.now());
    } else {
      item.next = this.tracker.judge(item.pairs, item.at, item.rtt, item.now, item.next, deadline);
      if (item.next < item.pairs.length) return true;
      this.tracker.settle(item.now);
    }
    this.hooks.settled();
    return false;
  }
}
