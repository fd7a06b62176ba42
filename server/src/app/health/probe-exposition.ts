import type { ProbeMetrics } from './probe-metrics';
import { LOSS_WINDOW_MS, RTT_BUCKETS_SECONDS, RTT_SLOTS, type RttTally } from './rtt-tally';

/** Who is who at the time of a scrape: only ids listed here get series (a deleted one has none). */
export interface ProbeLabels {
  targets: readonly { id: number; address: string; name: string | null }[];
  agents: readonly { id: number; hostname: string }[];
}

/** Lets the event loop run (between slices of a scrape). */
export type Yield = () => Promise<void>;

/** Lines written between two yields: a millisecond or two. */
const LINES_PER_SLICE = 2_000;
const LE = [...RTT_BUCKETS_SECONDS.map(String), '+Inf'];

/** A label value as the text format wants it (prom-client's escaping). */
const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/**
 * The exposition as bytes, written straight into one growing buffer: a series' line start (name and
 * labels) is copied from bytes made once, a count is written digit by digit; no string per line.
 */
class ByteSink {
  private buf: Buffer;
  length = 0;
  /** Lines (or as much work) since the event loop last ran. */
  lines = 0;

  /** `size`: what the last exposition took (grown as needed). */
  constructor(size: number, private readonly pause: Yield) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 1 << 16));
  }

  /** Lets the event loop run when a slice's worth of lines has been written since it last did. */
  async slice(): Promise<void> {
    if (this.lines < LINES_PER_SLICE) return;
    this.lines = 0;
    await this.pause();
  }

  text(s: string): void {
    this.room(3 * s.length);
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  /** A line: its start (name, labels and the space), the value, a newline. */
  line(start: Buffer, value: number): void {
    this.room(start.length);
    this.length += start.copy(this.buf, this.length);
    this.value(value);
  }

  /** A value and the newline that ends its line. */
  value(value: number): void {
    this.room(32);
    this.lines++;
    if (Number.isSafeInteger(value) && value >= 0) {
      let digits = 1;
      for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
      for (let i = this.length + digits - 1, v = value; i >= this.length; i--, v = Math.floor(v / 10)) this.buf[i] = 48 + (v % 10);
      this.length += digits;
    } else {
      this.length += this.buf.write(String(value), this.length, 'latin1');
    }
    this.buf[this.length++] = 10;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}

/** The line starts of one subject's series, by the values of its labels (remade when they change). */
interface Starts {
  key: string;
  /** RTT_SLOTS buckets, then _sum, _count, requests, loss ratio. */
  lines: Buffer[];
}

class StartCache {
  private readonly byId = new Map<number, Starts>();

  constructor(readonly what: string) {}

  get(id: number, values: readonly [string, string][]): Starts {
    const key = values.map(([, v]) => v).join('\u0000');
    let hit = this.byId.get(id);
    if (hit?.key !== key) {
      const labels = values.map(([k, v]) => `${k}="${escape(v)}"`).join(',');
      const rtt = `meshping_${this.what}_rtt_seconds`;
      const names = [...LE.map((le) => `${rtt}_bucket{le="${le}",${labels}} `), `${rtt}_sum{${labels}} `, `${rtt}_count{${labels}} `, `meshping_${this.what}_requests_total{${labels}} `, `meshping_${this.what}_loss_ratio{${labels}} `];
      this.byId.set(id, (hit = { key, lines: names.map((n) => Buffer.from(n)) }));
    }
    return hit;
  }

  /** Forgets the ids not in `live` (deleted). */
  keep(live: Set<number>): void {
    for (const id of this.byId.keys()) if (!live.has(id)) this.byId.delete(id);
  }
}

interface Series {
  id: number;
  labels: [string, string][];
}

const SUM = RTT_SLOTS;
const COUNT = RTT_SLOTS + 1;
const REQUESTS = RTT_SLOTS + 2;
const LOSS = RTT_SLOTS + 3;

/**
 * The probe series in the text exposition format, written by hand: at L1 they are ~23,000 lines,
 * which prom-client's formatter takes ~100 ms for in one go (it formats each line's labels anew,
 * as strings); here into one buffer from line starts made once per series, the event loop running
 * every LINES_PER_SLICE lines (docs/architecture.md, "Metrics"). MetricsService appends this to
 * prom-client's registry text.
 */
export class ProbeExposition {
  private readonly targetStarts = new StartCache('target');
  private readonly agentStarts = new StartCache('agent');
  private lastSize = 0;

  constructor(private readonly metrics: ProbeMetrics) {}

  async render(labels: ProbeLabels, pause: Yield): Promise<Buffer> {
    const targets: Series[] = labels.targets.map((t) => ({ id: t.id, labels: [['target_id', String(t.id)], ['target', t.address], ['target_name', t.name ?? '']] }));
    const agents: Series[] = labels.agents.map((a) => ({ id: a.id, labels: [['agent_id', String(a.id)], ['agent', a.hostname]] }));
    this.targetStarts.keep(new Set(labels.targets.map((t) => t.id)));
    this.agentStarts.keep(new Set(labels.agents.map((a) => a.id)));
    const out = new ByteSink(this.lastSize + (this.lastSize >> 3), pause);
    await this.tally(out, this.targetStarts, this.metrics.targets, targets);
    await this.tally(out, this.agentStarts, this.metrics.agents, agents);
    if (this.metrics.pairs) await this.pairs(out, labels);
    this.lastSize = out.length;
    return out.bytes();
  }

  /** Histogram, requests and loss ratio of each subject of a tally. */
  private async tally(out: ByteSink, cache: StartCache, tally: RttTally, series: Series[]): Promise<void> {
    const what = cache.what;
    const rtt = `meshping_${what}_rtt_seconds`;
    header(out, rtt, 'histogram', `Round-trip times of the replies, per ${what} (all its pairs); _count is the replies`);
    // Made (the first time, or after a rename) inside the slices: 21 line starts a series.
    const starts: Buffer[][] = [];
    for (const { id, labels } of series) {
      await out.slice();
      const lines = cache.get(id, labels).lines;
      starts.push(lines);
      const known = tally.has(id);
      let total = 0;
      for (let k = 0; k < RTT_SLOTS; k++) {
        total += known ? tally.counts[id * RTT_SLOTS + k] : 0;
        out.line(lines[k], total);
      }
      out.line(lines[SUM], known ? tally.sumUs[id] / 1e6 : 0);
      out.line(lines[COUNT], total);
      out.lines += 2 * RTT_SLOTS; // counted twice: a series whose starts are made first costs about double
    }
    header(out, `meshping_${what}_requests_total`, 'counter', `Probes sent, per ${what}, that got a reply or timed out (loss: 1 - rate of ${rtt}_count / rate of this)`);
    for (let i = 0; i < series.length; i++) {
      await out.slice();
      out.line(starts[i][REQUESTS], tally.has(series[i].id) ? tally.requests[series[i].id] : 0);
    }
    header(out, `meshping_${what}_loss_ratio`, 'gauge', `Share of the probes, per ${what}, without reply over the last ${LOSS_WINDOW_MS / 1000} s or so (no series: no probes then)`);
    for (let i = 0; i < series.length; i++) {
      await out.slice();
      const ratio = tally.lossRatio(series[i].id);
      if (ratio !== null) out.line(starts[i][LOSS], ratio);
    }
  }

  /** Requests and an RTT summary (sum and count, no quantiles) per pair, and how many pairs have series or were refused. */
  private async pairs(out: ByteSink, labels: ProbeLabels): Promise<void> {
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
    const sliced = async (name: string, value: (slot: number) => number) => {
      for (let i = 0; i < slots.length; i++) {
        await out.slice();
        out.text(`${name}{${slots[i][1]}} `);
        out.value(value(slots[i][0]));
      }
    };
    header(out, 'meshping_pair_requests_total', 'counter', 'Probes sent per pair that got a reply or timed out (MESHPING_METRICS_PAIR_SERIES)');
    await sliced('meshping_pair_requests_total', (s) => pairs.requests[s]);
    header(out, 'meshping_pair_rtt_seconds', 'summary', 'Round-trip times of the replies per pair: sum and count (the replies), no quantiles');
    await sliced('meshping_pair_rtt_seconds_sum', (s) => pairs.sumUs[s] / 1e6);
    await sliced('meshping_pair_rtt_seconds_count', (s) => pairs.replies[s]);
    header(out, 'meshping_pair_series', 'gauge', `Pairs that have series of their own (at most ${pairs.cap})`);
    out.text(`meshping_pair_series ${pairs.pairs}\n`);
    header(out, 'meshping_pair_series_refused', 'gauge', `Pairs that sent samples but have no series: over the cap of ${pairs.cap} (logged once as metrics.pair-series-capped)`);
    out.text(`meshping_pair_series_refused ${pairs.refused}\n`);
  }
}

function header(out: ByteSink, name: string, type: string, help: string): void {
  out.text(`# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`);
}
