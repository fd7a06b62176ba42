import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Worker } from 'node:worker_threads';

/** A pause of the event loop longer than this is a stall: logged and counted. */
export const STALL_THRESHOLD_MS = 1000;
/** Upper bounds (seconds) of the stall-duration histogram buckets in /metrics. */
export const STALL_BUCKETS = [1, 2, 5, 10, 30, 60];
const BEAT_MS = 100;
const POLL_MS = 50;
const ACTIVITY_BYTES = 240;

export interface StallFigures {
  count: number;
  sumSeconds: number;
  maxSeconds: number;
  /** Cumulative counts per STALL_BUCKETS bound. */
  buckets: number[];
}

/**
 * Runs in a worker thread, the only place that sees a stall WHILE it happens (the main loop cannot
 * run a timer or write a log while it is blocked). It watches the main thread's heartbeat counter in
 * shared memory; when the counter has not moved for STALL_THRESHOLD_MS it reads the activity marker
 * (what the main thread said it was doing), writes one line straight to the log's file descriptor
 * (fs.writeSync from a worker does not go through the main thread), and when the beat comes back it
 * tells the main thread how long the stall lasted.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { shared, thresholdMs, pollMs, liveFd } = workerData;
const beat = new Int32Array(shared, 0, 2);
const text = new Uint8Array(shared, 8);
const decoder = new TextDecoder();
let last = Atomics.load(beat, 0);
let lastChange = Date.now();
let stall = null;
setInterval(() => {
  const now = Date.now();
  const current = Atomics.load(beat, 0);
  if (current !== last) {
    if (stall) parentPort.postMessage({ ms: now - lastChange, activity: stall.activity });
    stall = null;
    last = current;
    lastChange = now;
  } else if (!stall && now - lastChange > thresholdMs) {
    const length = Atomics.load(beat, 1);
    stall = { activity: length ? decoder.decode(text.slice(0, length)) : null };
    if (liveFd !== null) {
      const line = { level: 'warn', time: new Date(now).toISOString(), service: 'meshping-server', context: 'EventLoopWatchdog', event: 'event-loop.stalling', stalledForMs: now - lastChange, activity: stall.activity, msg: 'The event loop has been blocked for over ' + thresholdMs + ' ms' };
      try { writeSync(liveFd, JSON.stringify(line) + '\\n'); } catch {}
    }
  }
}, pollMs);
`;

/**
 * The event-loop watchdog (docs/architecture.md): a heartbeat in a SharedArrayBuffer, a worker
 * thread that notices a stall while it lasts, and an activity marker (set by ActivityInterceptor
 * for each HTTP request, and by anything else via mark()) saying what the main thread last began.
 */
@Injectable()
export class EventLoopWatchdog implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventLoopWatchdog.name);
  private readonly shared = new SharedArrayBuffer(8 + ACTIVITY_BYTES);
  /** [0]: heartbeat counter, [1]: byte length of the activity marker. */
  private readonly beat = new Int32Array(this.shared, 0, 2);
  private readonly text = new Uint8Array(this.shared, 8);
  private readonly encoder = new TextEncoder();
  private markSeq = 0;
  private worker: Worker | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** File descriptor the worker writes its "stalling" line to while the stall lasts; null: none. */
  private liveFd: number | null = null;
  readonly figures: StallFigures = { count: 0, sumSeconds: 0, maxSeconds: 0, buckets: STALL_BUCKETS.map(() => 0) };

  /** Where the app's own JSON log goes (stdout); call before the module starts. */
  writeLiveLinesTo(fd: number | null): void {
    this.liveFd = fd;
  }

  onModuleInit(): void {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared: this.shared, thresholdMs: STALL_THRESHOLD_MS, pollMs: POLL_MS, liveFd: this.liveFd } });
    this.worker.unref();
    this.worker.on('message', (m: { ms: number; activity: string | null }) => this.stalled(m.ms, m.activity));
    this.worker.on('error', (err) => this.logger.warn({ event: 'event-loop.watchdog-failed', error: err.message }));
    this.timer = setInterval(() => Atomics.add(this.beat, 0, 1), BEAT_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker?.terminate();
    this.worker = null;
  }

  /** Says what the main thread is starting; returns a ticket for done(). Cheap: a copy into shared memory. */
  mark(activity: string): number {
    const { written } = this.encoder.encodeInto(activity, this.text);
    Atomics.store(this.beat, 1, written);
    return ++this.markSeq;
  }

  /** The marked activity ended; the marker is cleared unless something else began since. */
  done(ticket: number): void {
    if (ticket === this.markSeq) Atomics.store(this.beat, 1, 0);
  }

  private stalled(ms: number, activity: string | null): void {
    const seconds = ms / 1000;
    const f = this.figures;
    f.count += 1;
    f.sumSeconds += seconds;
    f.maxSeconds = Math.max(f.maxSeconds, seconds);
    STALL_BUCKETS.forEach((bound, i) => seconds <= bound && (f.buckets[i] += 1));
    this.logger.warn({
      event: 'event-loop.stall',
      durationMs: ms,
      activity: activity ?? 'none marked (a timer, a socket message, start-up or garbage collection)',
      msg: `The event loop was blocked for about ${ms} ms`,
    });
  }
}
