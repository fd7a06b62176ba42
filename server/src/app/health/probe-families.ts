import type { Registry } from 'prom-client';
import { CollectedFamily, leLabels, pushHistogram, type FamilyValue } from './metric-family';
import type { ProbeMetrics } from './probe-metrics';
import { LOSS_WINDOW_MS, RTT_BUCKETS_SECONDS, RTT_SLOTS, type RttTally } from './rtt-tally';

/** Who is who at the time of a scrape: only ids listed here get series (a deleted one has none). */
export interface ProbeLabels {
  targets: readonly { id: number; address: string; name: string | null }[];
  agents: readonly { id: number; hostname: string }[];
}

type Labels = Record<string, string>;
interface Subject {
  id: number;
  labels: Labels;
}

const LE = leLabels(RTT_BUCKETS_SECONDS);

/**
 * Registers the probe families (per target, per agent, and per pair when on) in `registry`; they
 * read `metrics` and `labels()` at each scrape. Returns the families, for tests.
 */
export function registerProbeFamilies(registry: Registry, metrics: ProbeMetrics, labels: () => ProbeLabels): CollectedFamily[] {
  const targets = (): Subject[] => labels().targets.map((t) => ({ id: t.id, labels: { target_id: String(t.id), target: t.address, target_name: t.name ?? '' } }));
  const agents = (): Subject[] => labels().agents.map((a) => ({ id: a.id, labels: { agent_id: String(a.id), agent: a.hostname } }));
  const families = [
    ...tallyFamilies('target', 'target', metrics.targets, targets),
    ...tallyFamilies('agent', 'agent', metrics.agents, agents),
    ...(metrics.pairs ? pairFamilies(metrics, labels) : []),
  ];
  for (const f of families) f.registerIn(registry);
  return families;
}

/** Histogram, requests and loss ratio of each subject of a tally. */
function tallyFamilies(prefix: string, what: string, tally: RttTally, subjects: () => Subject[]): CollectedFamily[] {
  const rtt = `meshping_${prefix}_rtt_seconds`;
  return [
    new CollectedFamily(rtt, `Round-trip times of the replies, per ${what} (all its pairs); _count is the replies`, 'histogram', () => {
      const out: FamilyValue[] = [];
      for (const s of subjects()) {
        if (tally.has(s.id)) pushHistogram(out, rtt, LE, tally.counts, s.id * RTT_SLOTS, tally.sumUs[s.id] / 1e6, s.labels);
        else pushHistogram(out, rtt, LE, EMPTY_COUNTS, 0, 0, s.labels);
      }
      return out;
    }),
    new CollectedFamily(`meshping_${prefix}_requests_total`, `Probes sent, per ${what}, that got a reply or timed out (loss: 1 - rate of ${rtt}_count / rate of this)`, 'counter', () =>
      subjects().map((s) => ({ labels: s.labels, value: tally.has(s.id) ? tally.requests[s.id] : 0 })),
    ),
    new CollectedFamily(`meshping_${prefix}_loss_ratio`, `Share of the probes, per ${what}, without reply over the last ${LOSS_WINDOW_MS / 1000} s or so (no series: no probes then)`, 'gauge', () =>
      subjects().flatMap((s) => {
        const value = tally.lossRatio(s.id);
        return value === null ? [] : [{ labels: s.labels, value }];
      }),
    ),
  ];
}

const EMPTY_COUNTS = new Float64Array(RTT_SLOTS);

/** Requests and an RTT summary (sum and count, no quantiles) per pair, and how many pairs have series or were refused. */
function pairFamilies(metrics: ProbeMetrics, labels: () => ProbeLabels): CollectedFamily[] {
  const pairs = metrics.pairs as NonNullable<ProbeMetrics['pairs']>;
  // Built once per scrape (the first family asks), reused by the second: the label objects are the same, prom-client formats each once.
  let cache: { at: ProbeLabels; labels: (Labels | null)[] } | null = null;
  const pairLabels = (): (Labels | null)[] => {
    const view = labels();
    if (cache?.at === view) return cache.labels;
    const agentNames = new Map(view.agents.map((a) => [a.id, a.hostname]));
    const targetAddresses = new Map(view.targets.map((t) => [t.id, t.address]));
    const out: (Labels | null)[] = [];
    for (let s = 0; s < pairs.cap; s++) {
      const p = pairs.pairOf[s];
      const agentId = p < 0 ? -1 : metrics.agentOf(p);
      const targetId = p < 0 ? -1 : metrics.targetOf(p);
      const agent = agentNames.get(agentId);
      const target = targetAddresses.get(targetId);
      out.push(agent === undefined || target === undefined ? null : { agent_id: String(agentId), agent, target_id: String(targetId), target });
    }
    cache = { at: view, labels: out };
    return out;
  };
  const perPair = (value: (slot: number) => number, metricName?: string) => {
    const out: FamilyValue[] = [];
    pairLabels().forEach((l, s) => l && out.push({ metricName, labels: l, value: value(s) }));
    return out;
  };
  return [
    new CollectedFamily('meshping_pair_requests_total', 'Probes sent per pair that got a reply or timed out (MESHPING_METRICS_PAIR_SERIES)', 'counter', () => perPair((s) => pairs.requests[s])),
    new CollectedFamily('meshping_pair_rtt_seconds', 'Round-trip times of the replies per pair: sum and count (the replies), no quantiles', 'summary', () => [
      ...perPair((s) => pairs.sumUs[s] / 1e6, 'meshping_pair_rtt_seconds_sum'),
      ...perPair((s) => pairs.replies[s], 'meshping_pair_rtt_seconds_count'),
    ]),
    new CollectedFamily('meshping_pair_series', `Pairs that have series of their own (at most ${pairs.cap})`, 'gauge', () => [{ labels: {}, value: pairs.pairs }]),
    new CollectedFamily('meshping_pair_series_refused', `Pairs that sent samples but have no series: over the cap of ${pairs.cap} (logged once as metrics.pair-series-capped)`, 'gauge', () => [{ labels: {}, value: pairs.refused }]),
  ];
}
