import type { ProbeMetrics } from './probe-metrics';
import { LOSS_WINDOW_MS, RTT_BUCKETS_SECONDS, RTT_SLOTS, type RttTally } from './rtt-tally';

/** Who is who at the time of a scrape: only ids listed here get series (a deleted one has none). */
export interface ProbeLabels {
  targets: readonly { id: number; address: string; name: string | null }[];
  agents: readonly { id: number; hostname: string }[];
}

/** Lets the event loop run (between slices of a scrape). */
export type Yield = () => Promise<void>;

/** Series written between two yields: a few milliseconds of string building. */
const SERIES_PER_SLICE = 250;
const LE = [...RTT_BUCKETS_SECONDS.map(String), '+Inf'];

/** A label value as the text format wants it (prom-client's escaping). */
const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** A series' label text, made once and kept while its values stay the same. */
class LabelCache {
  private readonly byId = new Map<number, { key: string; text: string }>();

  text(id: number, values: readonly [string, string][]): string {
    const key = values.map(([, v]) => v).join('\u0000');
    let hit = this.byId.get(id);
    if (hit?.key !== key) this.byId.set(id, (hit = { key, text: values.map(([k, v]) => `${k}="${escape(v)}"`).join(',') }));
    return hit.text;
  }

  /** Forgets the ids not in `live` (deleted). */
  keep(live: Set<number>): void {
    for (const id of this.byId.keys()) if (!live.has(id)) this.byId.delete(id);
  }
}

interface Series {
  id: number;
  labels: string;
}

/**
 * The probe series in the text exposition format, written by hand: at L1 they are ~23,000 lines,
 * which prom-client's formatter takes ~100 ms for in one go (it formats each line's labels anew);
 * here each series' label text is made once, and the event loop runs every SERIES_PER_SLICE series
 * (docs/architecture.md, "Metrics"). MetricsService appends this to prom-client's registry text.
 */
export class ProbeExposition {
  private readonly targetLabels = new LabelCache();
  private readonly agentLabels = new LabelCache();

  constructor(private readonly metrics: ProbeMetrics) {}

  async render(labels: ProbeLabels, pause: Yield): Promise<string> {
    const targets: Series[] = labels.targets.map((t) => ({ id: t.id, labels: this.targetLabels.text(t.id, [['target_id', String(t.id)], ['target', t.address], ['target_name', t.name ?? '']]) }));
    const agents: Series[] = labels.agents.map((a) => ({ id: a.id, labels: this.agentLabels.text(a.id, [['agent_id', String(a.id)], ['agent', a.hostname]]) }));
    this.targetLabels.keep(new Set(labels.targets.map((t) => t.id)));
    this.agentLabels.keep(new Set(labels.agents.map((a) => a.id)));
    const out: string[] = [];
    await this.tally(out, 'target', this.metrics.targets, targets, pause);
    await this.tally(out, 'agent', this.metrics.agents, agents, pause);
    if (this.metrics.pairs) await this.pairs(out, labels, pause);
    return out.join('');
  }

  /** Histogram, requests and loss ratio of each subject of a tally. */
  private async tally(out: string[], what: string, tally: RttTally, series: Series[], pause: Yield): Promise<void> {
    const rtt = `meshping_${what}_rtt_seconds`;
    header(out, rtt, 'histogram', `Round-trip times of the replies, per ${what} (all its pairs); _count is the replies`);
    for (let i = 0; i < series.length; i++) {
      if (i && i % SERIES_PER_SLICE === 0) await pause();
      const { id, labels } = series[i];
      const known = tally.has(id);
      let total = 0;
      for (let k = 0; k < RTT_SLOTS; k++) {
        total += known ? tally.counts[id * RTT_SLOTS + k] : 0;
        out.push(`${rtt}_bucket{le="${LE[k]}",${labels}} ${total}\n`);
      }
      out.push(`${rtt}_sum{${labels}} ${known ? tally.sumUs[id] / 1e6 : 0}\n${rtt}_count{${labels}} ${total}\n`);
    }
    const requests = `meshping_${what}_requests_total`;
    header(out, requests, 'counter', `Probes sent, per ${what}, that got a reply or timed out (loss: 1 - rate of ${rtt}_count / rate of this)`);
    for (const { id, labels } of series) out.push(`${requests}{${labels}} ${tally.has(id) ? tally.requests[id] : 0}\n`);
    const loss = `meshping_${what}_loss_ratio`;
    header(out, loss, 'gauge', `Share of the probes, per ${what}, without reply over the last ${LOSS_WINDOW_MS / 1000} s or so (no series: no probes then)`);
    for (const { id, labels } of series) {
      const ratio = tally.lossRatio(id);
      if (ratio !== null) out.push(`${loss}{${labels}} ${ratio}\n`);
    }
  }

  /** Requests and an RTT summary (sum and count, no quantiles) per pair, and how many pairs have series or were refused. */
  private async pairs(out: string[], labels: ProbeLabels, pause: Yield): Promise<void> {
    const pairs = this.metrics.pairs as NonNullable<ProbeMetrics['pairs']>;
    const agentNames = new Map(labels.agents.map((a) => [a.id, escape(a.hostname)]));
    const targetAddresses = new Map(labels.targets.map((t) => [t.id, escape(t.address)]));
    const slots: [slot: number, labels: string][] = [];
    for (let s = 0; s < pairs.cap; s++) {
      const p = pairs.pairOf[s];
      if (p < 0) continue;
      const agentId = this.metrics.agentOf(p);
      const targetId = this.metrics.targetOf(p);
      const agent = agentNames.get(agentId);
      const target = targetAddresses.get(targetId);
      if (agent !== undefined && target !== undefined) slots.push([s, `agent_id="${agentId}",agent="${agent}",target_id="${targetId}",target="${target}"`]);
    }
    const sliced = async (write: (slot: number, labels: string) => void) => {
      for (let i = 0; i < slots.length; i++) {
        if (i && i % (4 * SERIES_PER_SLICE) === 0) await pause();
        write(slots[i][0], slots[i][1]);
      }
    };
    header(out, 'meshping_pair_requests_total', 'counter', 'Probes sent per pair that got a reply or timed out (MESHPING_METRICS_PAIR_SERIES)');
    await sliced((s, l) => out.push(`meshping_pair_requests_total{${l}} ${pairs.requests[s]}\n`));
    header(out, 'meshping_pair_rtt_seconds', 'summary', 'Round-trip times of the replies per pair: sum and count (the replies), no quantiles');
    await sliced((s, l) => out.push(`meshping_pair_rtt_seconds_sum{${l}} ${pairs.sumUs[s] / 1e6}\nmeshping_pair_rtt_seconds_count{${l}} ${pairs.replies[s]}\n`));
    header(out, 'meshping_pair_series', 'gauge', `Pairs that have series of their own (at most ${pairs.cap})`);
    out.push(`meshping_pair_series ${pairs.pairs}\n`);
    header(out, 'meshping_pair_series_refused', 'gauge', `Pairs that sent samples but have no series: over the cap of ${pairs.cap} (logged once as metrics.pair-series-capped)`);
    out.push(`meshping_pair_series_refused ${pairs.refused}\n`);
  }
}

function header(out: string[], name: string, type: string, help: string): void {
  out.push(`# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`);
}
