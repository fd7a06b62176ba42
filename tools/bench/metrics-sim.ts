// What /metrics's per-sample accounting costs (tools/bench/metrics.bench.mjs): the server's
// ProbeMetrics (bundled by esbuild) fed batches of 10,000 samples of 100 agents x 1,000 targets as
// samplesStored$ hands them over, against the alternative, prom-client's labelled Histogram.observe()
// per sample for its target and its agent; and how long the probe series take to render at that
// size (ProbeExposition, without and with per-pair series at their cap; and prom-client's own
// formatter for the same histograms). Prints one JSON line.
import { RttCode } from '@meshping/protocol';
import { Histogram, Registry } from 'prom-client';
import { performance } from 'node:perf_hooks';
import { PAIR_SERIES_CAP } from '../../server/src/app/health/pair-tally';
import { ProbeExposition, type ProbeLabels } from '../../server/src/app/health/probe-exposition';
import { ProbeMetrics } from '../../server/src/app/health/probe-metrics';
import { RTT_BUCKETS_SECONDS } from '../../server/src/app/health/rtt-tally';

const AGENTS = 100;
const TARGETS = 1000;
const PAIRS = AGENTS * TARGETS;
const BATCH = 10_000;
// The hour cache's mapping: pair index -> agent id, target id (ids from 1).
const agentOf = Int32Array.from({ length: PAIRS }, (_, p) => Math.floor(p / TARGETS) + 1);
const targetOf = Int32Array.from({ length: PAIRS }, (_, p) => (p % TARGETS) + 1);
const labels: ProbeLabels = {
  targets: Array.from({ length: TARGETS }, (_, i) => ({ id: i + 1, address: `10.${i >> 8}.${i & 255}.1`, name: i % 2 ? `host-${i}` : null })),
  agents: Array.from({ length: AGENTS }, (_, i) => ({ id: i + 1, hostname: `agent-${i}` })),
};

/** Batches as ingest commits them: a round of every pair, RTTs 0.2-80 ms, 0.5 % lost. */
function batches(rounds: number): { pairs: Int32Array; rtt: Int32Array }[] {
  const out = [];
  let seed = 1;
  const random = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
  for (let r = 0; r < rounds; r++) {
    for (let from = 0; from < PAIRS; from += BATCH) {
      const pairs = new Int32Array(BATCH);
      const rtt = new Int32Array(BATCH);
      for (let i = 0; i < BATCH; i++) {
        pairs[i] = from + i;
        rtt[i] = random() < 0.005 ? RttCode.NO_REPLY : Math.round(200 * Math.exp(random() * Math.log(400)));
      }
      out.push({ pairs, rtt });
    }
  }
  return out;
}

function timeProbeMetrics(pairCap: number | null, work: ReturnType<typeof batches>): { nsPerSample: number; metrics: ProbeMetrics } {
  const metrics = new ProbeMetrics({ agentOf: (p) => agentOf[p], targetOf: (p) => targetOf[p], pairCap, onPairCapReached: () => undefined });
  for (const b of work.slice(0, 20)) metrics.add(b.pairs, b.rtt, 0); // warm-up (and the arrays grown)
  const started = performance.now();
  let samples = 0;
  for (const b of work) {
    metrics.add(b.pairs, b.rtt, 0);
    samples += b.pairs.length;
  }
  return { nsPerSample: ((performance.now() - started) * 1e6) / samples, metrics };
}

async function timePromClient(work: ReturnType<typeof batches>): Promise<{ nsPerSample: number; renderMs: number }> {
  const registry = new Registry();
  const buckets = [...RTT_BUCKETS_SECONDS];
  const byTarget = new Histogram({ name: 't', help: 't', labelNames: ['target_id', 'target', 'target_name'], buckets, registers: [registry] });
  const byAgent = new Histogram({ name: 'a', help: 'a', labelNames: ['agent_id', 'agent'], buckets, registers: [registry] });
  const targetLabels = labels.targets.map((t) => ({ target_id: String(t.id), target: t.address, target_name: t.name ?? '' }));
  const agentLabels = labels.agents.map((a) => ({ agent_id: String(a.id), agent: a.hostname }));
  let samples = 0;
  let started = 0;
  work.forEach((b, k) => {
    if (k === 20) started = performance.now();
    for (let i = 0; i < b.pairs.length; i++) {
      const r = b.rtt[i];
      if (r < 0) continue;
      const p = b.pairs[i];
      byTarget.observe(targetLabels[targetOf[p] - 1], r / 1e6);
      byAgent.observe(agentLabels[agentOf[p] - 1], r / 1e6);
    }
    if (k >= 20) samples += b.pairs.length;
  });
  const nsPerSample = ((performance.now() - started) * 1e6) / samples;
  await registry.metrics();
  const renderStarted = performance.now();
  await registry.metrics();
  return { nsPerSample, renderMs: performance.now() - renderStarted };
}

/** Median of 5 renders: the whole time, and the longest slice between two yields. */
async function renderMs(metrics: ProbeMetrics): Promise<{ ms: number; sliceMaxMs: number; bytes: number; lines: number }> {
  const exposition = new ProbeExposition(metrics);
  let sliceStart = 0;
  let sliceMax = 0;
  const pause = async () => {
    sliceMax = Math.max(sliceMax, performance.now() - sliceStart);
    await new Promise<void>((r) => setImmediate(r));
    sliceStart = performance.now();
  };
  await exposition.render(labels, pause); // warm-up
  const times: number[] = [];
  const slices: number[] = [];
  let text = Buffer.alloc(0);
  for (let i = 0; i < 5; i++) {
    sliceMax = 0;
    const started = (sliceStart = performance.now());
    text = await exposition.render(labels, pause);
    sliceMax = Math.max(sliceMax, performance.now() - sliceStart);
    times.push(performance.now() - started);
    slices.push(sliceMax);
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[2];
  return { ms: median(times), sliceMaxMs: median(slices), bytes: text.length, lines: text.toString().split('\n').length };
}

async function main(): Promise<void> {
  const work = batches(20); // 2 million samples
  const plain = timeProbeMetrics(null, work);
  const withPairs = timeProbeMetrics(PAIR_SERIES_CAP, work);
  const promClient = await timePromClient(work.slice(0, 120)); // 1.2 million: it is slow
  const render = await renderMs(plain.metrics);
  const renderPairs = await renderMs(withPairs.metrics);
  process.stdout.write(
    JSON.stringify({ nsPerSample: plain.nsPerSample, nsPerSampleWithPairs: withPairs.nsPerSample, promClientNsPerSample: promClient.nsPerSample, promClientRenderMs: promClient.renderMs, render, renderPairs }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
