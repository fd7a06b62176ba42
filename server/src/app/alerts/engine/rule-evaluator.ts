import { CELL_STALE_AFTER_MS, PROBE_INTERVAL_MS } from '@meshping/protocol';
import type { AlertRule } from '../alert-rule';
import { BAD, drain, GOOD, localiseSteps, NO_DATA, type Cause, type Member } from './localise';
import type { ChannelSpec, PairWindows } from './pair-windows';

/** Verdict rows per step: at 1,000 targets a row is ~20 µs of work, so a step is a few ms. */
const ROWS_PER_STEP = 200;

/** An agent as the engine sees it: approved ones only. */
export interface EngineAgent extends Member {
  online: boolean;
  /** When it was last heard from (epoch ms), null if never. */
  lastSeenAt: number | null;
}

export interface MeshView {
  agents: readonly EngineAgent[];
  targets: readonly Member[];
  /** The pair indices of an agent's row, by target id (-1: no pair); undefined: no samples yet. */
  pairRow(agentId: number): ArrayLike<number> | undefined;
}

/** The windowed counters a rule reads (none for consecutive_lost and agent_silent). */
export function channelOf(rule: AlertRule): ChannelSpec | null {
  if (rule.windowSeconds === null) return null;
  if (rule.metric === 'loss_percent') return { kind: 'loss', windowMs: rule.windowSeconds * 1000, thresholdUs: null };
  if (rule.metric === 'latency_percentile') return { kind: 'latency', windowMs: rule.windowSeconds * 1000, thresholdUs: rule.threshold === null ? null : rule.threshold * 1000 };
  return null;
}

/**
 * A window needs at least this many samples (half of what it holds) before it is judged: a young
 * pair's few samples would make "20 % lost over 5 min" out of one short outage in its first minute
 * (4 lost of 16, opening a loss incident after the outage's own had resolved: seen in the alerts e2e).
 */
export function minSamples(windowMs: number): number {
  return Math.max(2, Math.floor(windowMs / PROBE_INTERVAL_MS / 2));
}

function selectAgents(rule: AlertRule, agents: readonly EngineAgent[]): EngineAgent[] {
  if ((rule.scope === 'pair' || rule.scope === 'agent') && rule.agentId !== null) return agents.filter((a) => a.id === rule.agentId);
  if (rule.scope === 'group' && rule.agentGroup !== null) return agents.filter((a) => a.group === rule.agentGroup);
  return [...agents];
}

function selectTargets(rule: AlertRule, targets: readonly Member[]): Member[] {
  if ((rule.scope === 'pair' || rule.scope === 'target') && rule.targetId !== null) return targets.filter((t) => t.id === rule.targetId);
  if (rule.scope === 'group' && rule.targetGroup !== null) return targets.filter((t) => t.group === rule.targetGroup);
  return [...targets];
}

/**
 * Evaluates rules against the pair windows; `state` is a scratch buffer reused between rules
 * (a million pairs: 1 MB).
 */
export class RuleEvaluator {
  private state = new Int8Array(0);
  private readonly sums = new Int32Array(2);

  constructor(private readonly windows: PairWindows) {}

  /** The causes one rule finds at `now`: agents silent, or the localised bad pairs. */
  evaluate(rule: AlertRule, mesh: MeshView, now: number): Cause[] {
    return drain(this.evaluateSteps(rule, mesh, now));
  }

  /** evaluate(), yielding every ROWS_PER_STEP rows of verdicts and between localisation's passes. */
  *evaluateSteps(rule: AlertRule, mesh: MeshView, now: number): Generator<void, Cause[]> {
    const agents = selectAgents(rule, mesh.agents);
    if (rule.metric === 'agent_silent') return silent(rule, agents, now);
    // A silent agent has no say about targets: its silence is its own incident.
    const rows = agents.filter((a) => a.online).sort((a, b) => a.id - b.id);
    const cols = selectTargets(rule, mesh.targets).sort((a, b) => a.id - b.id);
    const A = rows.length;
    const T = cols.length;
    if (A === 0 || T === 0) return [];
    if (this.state.length < A * T) this.state = new Int8Array(A * T);
    const state = this.state.subarray(0, A * T);
    const judge = this.judge(rule, now);
    for (let a = 0; a < A; a++) {
      if (a > 0 && a % ROWS_PER_STEP === 0) yield;
      const row = mesh.pairRow(rows[a].id);
      for (let t = 0, i = a * T; t < T; t++, i++) {
        const p = row && cols[t].id < row.length ? row[cols[t].id] : -1;
        state[i] = p < 0 ? NO_DATA : judge(p, cols[t].id);
      }
    }
    yield;
    return yield* localiseSteps({ agents: rows, targets: cols, state }, { quorum: rule.quorum, paths: rule.paths || rule.scope === 'pair' });
  }

  private judge(rule: AlertRule, now: number): (p: number, targetId: number) => number {
    const w = this.windows;
    const out = this.sums;
    if (rule.metric === 'consecutive_lost') {
      const fresh = now - CELL_STALE_AFTER_MS;
      const limit = rule.threshold ?? 1;
      // A dormant target's pairs get a sample every 30 s to 5 min: fresh as long as the next is not overdue.
      const stale = w.targetStaleMs;
      return (p, t) => {
        if (!w.has(p)) return NO_DATA;
        const since = t < stale.length && stale[t] > 0 ? now - stale[t] : fresh;
        return w.newestAt[p] < since ? NO_DATA : w.consecutive[p] >= limit ? BAD : GOOD;
      };
    }
    const spec = channelOf(rule);
    const channel = spec && w.channel(spec);
    if (!spec || !channel) return () => NO_DATA;
    const least = minSamples(spec.windowMs);
    if (rule.metric === 'loss_percent') {
      const percent = rule.threshold ?? 100;
      return (p) => {
        if (!w.has(p)) return NO_DATA;
        channel.sums(p, now, out);
        return out[0] < least ? NO_DATA : out[1] * 100 >= percent * out[0] ? BAD : GOOD;
      };
    }
    // latency_percentile: the window's p-th percentile (nearest rank) is over the threshold exactly
    // when fewer than ceil(p% of n) replies are at or under it.
    const fraction = (rule.percentile ?? 95) / 100;
    return (p) => {
      if (!w.has(p)) return NO_DATA;
      channel.sums(p, now, out);
      const n = out[0];
      if (n < least) return NO_DATA;
      return n - out[1] < Math.ceil(fraction * n - 1e-9) ? BAD : GOOD;
    };
  }
}

function silent(rule: AlertRule, agents: readonly EngineAgent[], now: number): Cause[] {
  const after = (rule.threshold ?? 0) * 1000;
  return agents
    .filter((a) => !a.online && a.lastSeenAt !== null && now - a.lastSeenAt >= after)
    .map((a) => ({ kind: 'silent' as const, key: `silent:${a.id}`, agentIds: [a.id], targetIds: [], since: a.lastSeenAt as number, pairs: [], pairCount: 0 }));
}
