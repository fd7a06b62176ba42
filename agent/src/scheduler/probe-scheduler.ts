import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { dormantProbeInRound, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS, RttCode, type ProbeTarget, type Sample } from '@meshping/protocol';
import { PROBER, type Prober } from '../probe/prober';
import { TargetResolver } from './target-resolver';

/**
 * Probes every target once per interval. Rounds start on absolute multiples of the interval (no
 * drift over hours) and targets are spread evenly across the round (no burst of all at once). A
 * dormant target (the server's `dormantSince`) is probed only in the rounds its back-off schedule
 * names (30 s, then 60, 120, 240 s apart, then every 5 min: dormant.ts), in its usual place in the
 * round; its first reply brings it back to every round here at once, before the server says so.
 */
/**
 * Shortest sleep between two sends of a round: 1,000 targets in 5 s -> 10 probes per 50 ms wake-up.
 * Measured at 1,000 targets: 20 ms cost ~2.6 % of a core, 50 ms ~1.3-1.5 %, 100 ms ~1.1 %. The few
 * probes of one wake-up still leave one per event-loop turn (raw-socket's send queue), and replies
 * carry kernel timestamps, so a handful sent together does not bend their RTTs.
 */
const TICK_MS = 50;

/** Where this agent's rounds start within the interval (ms): a number, provided by the module. */
export const PROBE_PHASE_MS = Symbol('PROBE_PHASE_MS');

@Injectable()
export class ProbeScheduler {
  private readonly logger = new Logger(ProbeScheduler.name);
  private targets: readonly ProbeTarget[] = [];
  private targetIds = new Set<number>();
  private roundTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  /** This round's probes still to send, in order, each with its due time (epoch ms). */
  private due: { target: ProbeTarget; at: number }[] = [];
  private dueNext = 0;
  private readonly resolver: TargetResolver;
  private running = false;
  /** Probes sent and not answered (or timed out) yet; a planned stop waits for them. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Stopping gracefully: probes already sent still record their results. */
  private settling = false;
  /** Absolute start of the next round (epoch ms), always a multiple of the interval. */
  private nextRound = 0;
  /** Where each result goes (the runtime hands it to the buffer). */
  private record: (sample: Sample) => void = () => undefined;

  constructor(
    @Inject(PROBER) private readonly prober: Prober,
    @Inject(CLOCK) private readonly clock: Clock,
    /**
     * Where this agent's rounds start within the interval (ms). 0: on the 5 s boundaries; agents
     * given a random phase (probe-jitter-ms) do not all hit a target in the same millisecond.
     */
    @Optional() @Inject(PROBE_PHASE_MS) private readonly phaseMs = 0,
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

  /** Starts the rounds; every probe's result is handed to `record`. */
  start(record: (sample: Sample) => void): void {
    if (this.running) return;
    this.record = record;
    this.running = true;
    this.nextRound = this.boundaryAfter(this.clock.now());
    this.scheduleNextRound();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.roundTimer);
    clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    this.due = [];
    this.dueNext = 0;
  }

  /**
   * A planned stop: no new probe goes out, and those already sent record their outcome (a reply or,
   * after the probe timeout, "no reply"), so nothing measured is lost. Resolves when they have.
   */
  async stopAndSettle(): Promise<void> {
    this.settling = true;
    this.stop();
    await Promise.allSettled(this.inFlight);
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
    return Math.floor((t - this.phaseMs) / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS + PROBE_INTERVAL_MS + this.phaseMs;
  }

  private runRound(roundStart: number): void {
    if (!this.running) return;
    const targets = this.targets;
    // Anything of the last round not sent yet (a stall) is skipped, not sent in a burst. Each target
    // keeps its place in the round whether or not the dormant ones around it are probed in this one.
    this.due = [];
    targets.forEach((target, i) => {
      if (target.dormantSince && !dormantProbeInRound(target.dormantSince, roundStart)) return;
      this.due.push({ target, at: roundStart + Math.floor((i * PROBE_INTERVAL_MS) / targets.length) });
    });
    this.dueNext = 0;
    clearTimeout(this.tickTimer);
    this.tick();
    this.scheduleNextRound();
  }

  /**
   * Sends the probes that are due, then sleeps until the next one, but at least TICK_MS: with
   * many targets one timer wakes every TICK_MS for a handful of probes (no timer per probe), with
   * few targets each probe goes at its own time.
   */
  private tick(): void {
    this.tickTimer = undefined;
    const now = this.clock.now();
    const first = this.dueNext;
    while (this.dueNext < this.due.length && this.due[this.dueNext].at <= now) {
      const probe = this.probeOne(this.due[this.dueNext++].target);
      this.inFlight.add(probe);
      void probe.finally(() => this.inFlight.delete(probe));
    }
    if (this.dueNext >= this.due.length) return;
    // Woken a little early (the clock lags the timer): wait just for the due one.
    const untilDue = this.due[this.dueNext].at - now;
    const wait = this.dueNext > first ? Math.max(TICK_MS, untilDue) : Math.max(1, untilDue);
    this.tickTimer = setTimeout(() => this.tick(), wait);
  }

  private async probeOne(target: ProbeTarget): Promise<void> {
    if (!this.targetIds.has(target.id)) return; // removed since its round was planned
    const at = this.clock.now();
    const resolved = await this.resolver.resolve(target.address);
    const rtt =
      'error' in resolved ? RttCode.UNRESOLVED : await this.prober.probe(resolved.address, resolved.family, PROBE_TIMEOUT_MS);
    if (!this.running && !this.settling) return;
    this.record({ targetId: target.id, at, rtt });
    if (rtt >= 0 && target.dormantSince) this.wake(target.id);
  }

  /** A dormant target answered: probed every round from the next one (the server wakes it for every agent). */
  private wake(id: number): void {
    this.targets = this.targets.map((t) => (t.id === id && t.dormantSince ? { ...t, dormantSince: null } : t));
    this.logger.log({ event: 'scheduler.target-woke', targetId: id });
  }
}
