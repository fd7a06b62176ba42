// /metrics at L1 (issue 15): the built server with the last hour of every pair seeded and 100
// simulated agents x 1,000 targets streaming (l1-load.mjs, as the soak), scraped with a metrics:read
// token as Prometheus would: how long a scrape takes (goal < 1 s) and the longest event-loop stall
// while scraping (goal: none over 50 ms). Beside it, in a child process (metrics-sim.ts): what the
// per-sample accounting costs, against prom-client's labelled observe(), and the render times.
import { loadavg } from 'node:os';
import { bundleScript, run } from './ingest.bench.mjs';
import { L1, startSeededL1 } from './l1-load.mjs';

const WARMUP_S = 40;
const SCRAPES = 30;
const EVERY_MS = 2_000;
const GOALS = { scrapeMs: 1000, stallMs: 50 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const r2 = (n) => Math.round(n * 100) / 100;
const fmt = (v) => Math.round(v).toLocaleString('en-US');

/** The value of the series named exactly so (name and labels), or NaN. */
function read(text, series) {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

const sum = (text, name) => text.split('\n').filter((l) => l.startsWith(`${name}{`)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

export default async function metricsBench({ root, tmp, log }) {
  const outfile = await bundleScript(root, 'metrics-sim');
  log('per-sample accounting and render times, in-process (100 x 1,000, 2 million samples)');
  const sim = JSON.parse(await run(process.execPath, [outfile], {}));
  log(JSON.stringify(sim));

  const { api, token, sim: agents, stop } = await startSeededL1({ root, dir: tmp, log, password: 'bench password 1', tokenName: 'bench metrics', prefix: 'metrics' });
  try {
    log(`warm-up ${WARMUP_S} s without scrapes`);
    await sleep(WARMUP_S * 1000);
    const scrape = async () => {
      const started = performance.now();
      const res = await api.get('/api/metrics', { authorization: `Bearer ${token}` });
      return { ms: performance.now() - started, text: res.body };
    };
    // The first scrape: cold (its code not compiled yet); the last complete 10-s window before it had no scrape.
    const first = await scrape();
    const ingestOnlyStallMs = read(first.text, 'meshping_event_loop_stall_max_seconds{window="10s"}') * 1000;
    log(`first scrape ${r2(first.ms)} ms; longest stall of the last 10 s without scrapes: ${r2(ingestOnlyStallMs)} ms`);
    const times = [];
    const stalls = [];
    let last = first;
    for (let i = 0; i < SCRAPES; i++) {
      await sleep(EVERY_MS);
      last = await scrape();
      times.push(last.ms);
      // prom-client's monitor, reset at each scrape: the longest delay since the previous one read it
      // (that scrape's own rendering after the read, its sending, and the ingest in between).
      stalls.push(read(last.text, 'nodejs_eventloop_lag_max_seconds') * 1000);
    }
    agents.send({ type: 'counts' });
    const counts = await agents.next('counts');
    const sorted = [...times].sort((a, b) => a - b);
    const text = last.text;
    const r = {
      scrapeMsP50: sorted[Math.floor(sorted.length / 2)],
      scrapeMsMax: sorted.at(-1),
      coldMs: first.ms,
      stallMaxMs: Math.max(...stalls),
      stallP50Ms: [...stalls].sort((a, b) => a - b)[Math.floor(stalls.length / 2)],
      ingestOnlyStallMs,
      bytes: Buffer.byteLength(text),
      series: text.split('\n').filter((l) => l && !l.startsWith('#')).length,
      repliesCounted: sum(text, 'meshping_target_rtt_seconds_count'),
      ingested: read(text, 'meshping_samples_ingested_total'),
      skipped: counts.skipped,
      load: loadavg()[0],
    };
    log(JSON.stringify(r));
    log(`stall per interval (ms): ${stalls.map((x) => Math.round(x)).join(' ')}; scrape times (ms): ${times.map((x) => Math.round(x)).join(' ')}`);
    const figures = {
      'metrics.scrape_ms_l1': r2(r.scrapeMsMax),
      'metrics.scrape_p50_ms_l1': r2(r.scrapeMsP50),
      'metrics.scrape_stall_max_ms_l1': r2(r.stallMaxMs),
      'metrics.series_l1': r.series,
      'metrics.ingest_ns_per_sample': r2(sim.nsPerSample),
      'metrics.ingest_ns_per_sample_pair_series': r2(sim.nsPerSampleWithPairs),
      'metrics.prom_client_observe_ns_per_sample': r2(sim.promClientNsPerSample),
    };
    const met = (ok) => (ok ? 'met' : 'NOT met');
    const markdown = `
The built server at L1 in steady state (the last hour of every pair seeded, ${L1.agents} simulated agents x ${fmt(L1.targets)} targets
streaming, as in the soak), scraped at \`/api/metrics\` with a \`metrics:read\` token over HTTPS: one cold scrape after a
${WARMUP_S}-s warm-up, then ${SCRAPES} scrapes ${EVERY_MS / 1000} s apart. Default settings (no per-pair series).

| figure | value | goal |
|---|---|---|
| scrape time, slowest of ${SCRAPES} (request to last byte) | **${r2(r.scrapeMsMax)} ms** (median ${r2(r.scrapeMsP50)} ms; the cold first one ${r2(r.coldMs)} ms) | < ${GOALS.scrapeMs} ms (${met(r.scrapeMsMax < GOALS.scrapeMs)}) |
| longest event-loop stall while scraping (\`nodejs_eventloop_lag_max_seconds\` at each scrape: the longest since the previous one read it, ingest and all) | **${r2(r.stallMaxMs)} ms** (median of the ${SCRAPES} intervals ${r2(r.stallP50Ms)} ms; each: ${stalls.map((x) => Math.round(x)).join(', ')} ms; the 10 s before the first scrape, ingest alone: ${r2(r.ingestOnlyStallMs)} ms) | <= ${GOALS.stallMs} ms (${met(r.stallMaxMs <= GOALS.stallMs)}) |
| the exposition | ${fmt(r.series)} series, ${r2(r.bytes / 2 ** 20)} MiB | |
| replies counted in \`meshping_target_rtt_seconds_count\` / samples ingested since start | ${fmt(r.repliesCounted)} / ${fmt(r.ingested)} (0.5 % of the simulated probes get no reply) | |

Per-sample accounting (in-process, tools/bench/metrics-sim.ts: batches of 10,000 samples of 100 x 1,000 pairs, as
\`samplesStored$\` hands them over):

| | ns per sample |
|---|---|
| ProbeMetrics (per-target and per-agent histograms, requests, replies in typed arrays) | **${r2(sim.nsPerSample)}** |
| the same with per-pair series on (10,000-pair cap) | ${r2(sim.nsPerSampleWithPairs)} |
| prom-client \`Histogram.observe(labels, v)\` for the target and the agent | ${r2(sim.promClientNsPerSample)} |

Rendering the probe series in-process: ${fmt(sim.render.lines)} lines in ${r2(sim.render.ms)} ms, the longest slice between two
yields ${r2(sim.render.sliceMaxMs)} ms; with per-pair series at the cap ${fmt(sim.renderPairs.lines)} lines in ${r2(sim.renderPairs.ms)} ms
(longest slice ${r2(sim.renderPairs.sliceMaxMs)} ms). prom-client's own formatter for the same two histograms: ${r2(sim.promClientRenderMs)} ms in one go.
The simulated agents share the machine's 2 cores with the server (load average at the end: ${r2(r.load)}; samples the agents
skipped for want of acknowledgements: ${fmt(r.skipped)}).`;
    return { title: '/metrics at L1', figures, markdown };
  } finally {
    await stop();
  }
}
