import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS, RttCode, type ProbeTarget, type Sample } from '@meshping/protocol';
import { PROBER, type Prober } from '../probe/prober';
import { ResultBuffer } from '../uplink/result-buffer';
import { TargetResolver } from './target-resolver';

/**
 * Probes every target once per interval. Rounds start on absolute multiples of the interval (no
 * drift over hours) and targets are spread evenly across the round (no burst of all at once).
 */
@Injectable()
export class ProbeScheduler {
  private readonly logger = new Logger(ProbeScheduler.name);
  private targets: readonly ProbeTarget[] = [];
  private targetIds = new Set<number>();
  private roundTimer?: NodeJS.Timeout;
  private readonly probeTimers = new Set<NodeJS.Timeout>();
  private readonly resolver: TargetResolver;
  private running = false;
  /** Absolute start of the next round (epoch ms), always a multiple of the interval. */
  private nextRound = 0;

  constructor(
    @Inject(PROBER) private readonly prober: Prober,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly buffer: ResultBuffer,
  ) {
    this.resolver = new TargetResolver(() => clock.now());
  }

  setTargets(targets: readonly ProbeTarget[]): void {
    this.targets = [...targets].sort((a, b) => a.id - b.id);
    this.targetIds = new Set(this.targets.map((t) => t.id));
    this.logger.log({ event: 'scheduler.targets', count: targets.length });
  }

  /** Applies one change of the list; takes effect from the next round. */
  applyChange(upserted: readonly ProbeTarget[], removed: readonly number[]): void {
    const next = new Map(this.targets.map((t) => [t.id, t]));
    for (const id of removed) next.delete(id);
    for (const t of upserted) next.set(t.id, t);
    this.setTargets([...next.values()]);
  }

  currentTargets(): readonly ProbeTarget[] {
    return this.targets;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.nextRound = this.boundaryAfter(this.clock.now());
    this.scheduleNextRound();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.roundTimer);
    for (const t of this.probeTimers) clearTimeout(t);
    this.probeTimers.clear();
  }

  /**
   * Rounds follow each other by exactly one interval, counted from the round just run, not from
   * the clock: a timer that fires a little early cannot run a round twice. After a stall (suspend,
   * a clock step) rounds resume on the next boundary instead of catching up in a burst.
   */
  private scheduleNextRound(): void {
    const now = this.clock.now();
    if (this.nextRound + PROBE_INTERVAL_MS <= now) this.nextRound = this.boundaryAfter(now);
    const roundStart = this.nextRound;
    this.nextRound += PROBE_INTERVAL_MS;
    this.roundTimer = setTimeout(() => this.runRound(roundStart), Math.max(0, roundStart - now));
  }

  private boundaryAfter(t: number): number {
    return Math.floor(t / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS + PROBE_INTERVAL_MS;
  }

  private runRound(roundStart: number): void {
    if (!this.running) return;
    const targets = this.targets;
    targets.forEach((target, i) => {
      const delay = roundStart + Math.floor((i * PROBE_INTERVAL_MS) / targets.length) - this.clock.now();
      if (delay <= 0) return void this.probeOne(target); // a zero timeout would still cost a millisecond
      const timer = setTimeout(() => {
        this.probeTimers.delete(timer);
        void this.probeOne(target);
      }, delay);
      this.probeTimers.add(timer);
    });
    this.scheduleNextRound();
  }

  private async probeOne(target: ProbeTarget): Promise<void> {
    if (!this.targetIds.has(target.id)) return; // removed since its round was planned
    const at = this.clock.now();
    const resolved = await this.resolver.resolve(target.address);
    const rtt =
      'error' in resolved ? RttCode.UNRESOLVED : await this.prober.probe(resolved.address, resolved.family, PROBE_TIMEOUT_MS);
    if (!this.running) return;
    const sample: Sample = { targetId: target.id, at, rtt };
    this.buffer.add(sample);
  }
}
