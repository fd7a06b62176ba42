import { RttCode } from '@meshping/protocol';
import { PairTally } from './pair-tally';
import { RttTally } from './rtt-tally';

export interface ProbeMetricsOptions {
  /** The agent and target of a pair (the hour cache's index). */
  agentOf(pair: number): number;
  targetOf(pair: number): number;
  /** Per-pair series: off (null), or at most this many pairs. */
  pairCap: number | null;
  /** Told once when a pair is first refused its series. */
  onPairCapReached(cap: number): void;
}

/**
 * What /metrics says about probes, per target, per agent and (optionally) per pair, counted as the
 * samples are committed: a stored batch costs a pass over its columns with a few typed-array writes
 * per sample (docs/architecture.md, "Metrics"). Only replies and no-replies count; a sample the
 * agent could not send (unresolved, send error) is the agent's problem, not a probe of the target.
 */
export class ProbeMetrics {
  readonly targets = new RttTally();
  readonly agents = new RttTally();
  readonly pairs: PairTally | null;

  constructor(private readonly options: ProbeMetricsOptions) {
    this.pairs = options.pairCap === null ? null : new PairTally(options.pairCap, options.onPairCapReached);
  }

  /** A committed batch (MonitoringService.samplesStored$): pair index and RTT (µs or RttCode) per sample. */
  add(pairs: ArrayLike<number>, rtt: ArrayLike<number>, now: number): void {
    const { targets, agents, pairs: perPair, options } = this;
    targets.tick(now);
    agents.tick(now);
    for (let i = 0; i < pairs.length; i++) {
      const r = rtt[i];
      if (r < RttCode.NO_REPLY) continue;
      const p = pairs[i];
      const t = options.targetOf(p);
      const a = options.agentOf(p);
      if (r >= 0) {
        targets.replied(t, r);
        agents.replied(a, r);
      } else {
        targets.lost(t);
        agents.lost(a);
      }
      perPair?.add(p, r);
    }
  }

  agentOf(pair: number): number {
    return this.options.agentOf(pair);
  }

  targetOf(pair: number): number {
    return this.options.targetOf(pair);
  }

  /** Brings the loss windows up to date (before a scrape reads them). */
  tick(now: number): void {
    this.targets.tick(now);
    this.agents.tick(now);
  }

  /** A deleted target: its series go, its pairs' too. */
  removeTarget(targetId: number): void {
    this.targets.remove(targetId);
    this.pairs?.remove((p) => this.options.targetOf(p) === targetId);
  }

  /** A deleted agent: its series go, its pairs' too. */
  removeAgent(agentId: number): void {
    this.agents.remove(agentId);
    this.pairs?.remove((p) => this.options.agentOf(p) === agentId);
  }
}
