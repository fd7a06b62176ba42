#!/usr/bin/env node
// `npm run soak` (issue 13; not in CI): the built server, started on the last hour of every pair's
// samples (tools/bench/soak-seed.ts: the hour cache full from the start, as in steady state), under
// L1 (100 simulated agents x 1,000 targets, as the ingest benchmark's live load) for SOAK_MINUTES
// (default 10) after a 60-s warm-up,
// with a browser (Debian's Chromium) showing the live grid the whole time and a scraper reading
// /api/metrics every 15 s with a metrics token, as Prometheus would. Reported over the last 8
// minutes (the last 80 % of a shorter run):
// - RSS drift: the least-squares line through the scraped resident set sizes, its rise over the
//   window as a percentage of its value at the window's start (a fit, so that where a GC cycle
//   happens to fall at the first or last scrape does not decide the figure);
// - the longest event-loop stall: the server's own perf_hooks measure, as the benchmark reads it
//   (meshping_event_loop_stall_max_seconds, 10 ms resolution), here its 1-minute window at every
//   scrape in the measured window (so the minute before the window counts too, never less).
// A full-length run writes soak.rss_drift_percent and soak.max_stall_ms into docs/benchmarks.json and
// a section into docs/benchmarks.md; a shorter one (SOAK_MINUTES=1 while developing) only prints
// them, unless SOAK_RECORD=1.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { L1, startSeededL1 } from './l1-load.mjs';
import { record, root } from './record.mjs';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const FULL_MINUTES = 10;
const WARMUP_S = 60;
const SCRAPE_S = 15;
const WINDOW_S = Math.min(8 * 60, 0.8 * MINUTES * 60);
const { agents: AGENTS, targets: TARGETS } = L1;
const GOALS = { driftPercent: 5, stallMs: 50 };
const log = (m) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  if (!(MINUTES > 0)) throw new Error(`SOAK_MINUTES must be a positive number, not "${process.env.SOAK_MINUTES}"`);
  const tmp = mkdtempSync(join(tmpdir(), 'meshping-soak-'));
  // Steady state from the start: the last hour of every pair on disk, so the server's hour cache
  // starts full (tools/bench/soak-seed.ts says why), and L1 streaming.
  const { server, api, token, sim, stop } = await startSeededL1({ root, dir: tmp, log, password: 'soak password 1', tokenName: 'soak scraper', prefix: 'soak' }).catch((err) => {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  });
  let browser = null;
  try {
    // A browser on the live grid, signed in as the admin, for the whole run.
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1600, height: 1000 } });
    const login = await context.request.post(`${server.url}/api/auth/login`, { data: { username: 'admin', password: 'soak password 1' } });
    if (login.status() !== 200) throw new Error(`browser login: ${login.status()} ${await login.text()}`);
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${server.url}/`);
    await page.getByTestId('grid-summary').getByText(`${AGENTS} agents`).waitFor({ timeout: 60_000 });
    log(`browser on the live grid: ${await page.getByTestId('grid-summary').innerText()}`);

    // The scraper, from the warm-up on: what a Prometheus scrape would see.
    const scrapes = [];
    const scrape = async () => {
      const text = (await api.get('/api/metrics', { authorization: `Bearer ${token}` })).body;
      const gauge = (name) => Number(new RegExp(`^${name.replace(/[{}"=]/g, (c) => `\\${c}`)} ([\\d.e+-]+)$`, 'm').exec(text)?.[1]);
      scrapes.push({
        t: Date.now(),
        rssBytes: gauge('process_resident_memory_bytes'),
        stall1mMs: gauge('meshping_event_loop_stall_max_seconds{window="1m"}') * 1000,
        stall10sMs: gauge('meshping_event_loop_stall_max_seconds{window="10s"}') * 1000,
        ingested: gauge('meshping_samples_ingested_total'),
      });
    };
    const startedAt = Date.now();
    const endAt = startedAt + (WARMUP_S + MINUTES * 60) * 1000;
    log(`warm-up ${WARMUP_S} s, then ${MINUTES} min; scraping /api/metrics every ${SCRAPE_S} s`);
    for (let next = startedAt; next <= endAt; next += SCRAPE_S * 1000) {
      await sleep(Math.max(0, next - Date.now()));
      await scrape();
      const s = scrapes.at(-1);
      if (scrapes.length % 4 === 1) log(`RSS ${(s.rssBytes / 2 ** 20).toFixed(0)} MB, stall (1m) ${s.stall1mMs.toFixed(0)} ms, ${s.ingested} samples ingested; load ${loadavg()[0].toFixed(1)}`);
    }
    const summary = await page.getByTestId('grid-summary').innerText();
    sim.send({ type: 'counts' });
    const counts = await sim.next('counts');

    const windowStart = endAt - WINDOW_S * 1000;
    const measured = scrapes.filter((s) => s.t >= windowStart - 1000);
    const fit = leastSquares(measured.map((s) => [(s.t - windowStart) / 1000, s.rssBytes]));
    const driftPercent = (fit.slope * WINDOW_S * 100) / fit.intercept;
    const maxStallMs = Math.max(...measured.map((s) => s.stall1mMs));
    const rssMb = measured.map((s) => s.rssBytes / 2 ** 20);
    const sustained = counts.skipped === 0;
    const result = {
      minutes: MINUTES,
      windowS: WINDOW_S,
      scrapes: measured.length,
      driftPercent: round(driftPercent, 2),
      maxStallMs: round(maxStallMs, 1),
      rssMbFirst: round(rssMb[0], 1),
      rssMbLast: round(rssMb.at(-1), 1),
      rssMbMin: round(Math.min(...rssMb), 1),
      rssMbMax: round(Math.max(...rssMb), 1),
      acked: counts.acked,
      skipped: counts.skipped,
      pageErrors: pageErrors.length,
      loadAverage: round(loadavg()[0], 1),
      gridSummary: summary,
    };
    log(`result: ${JSON.stringify(result)}`);
    log(`goals: drift < ${GOALS.driftPercent} %: ${driftPercent < GOALS.driftPercent ? 'met' : 'NOT met'}; no stall over ${GOALS.stallMs} ms: ${maxStallMs <= GOALS.stallMs ? 'met' : 'NOT met'}`);
    if (pageErrors.length) log(`page errors: ${pageErrors.slice(0, 5).join(' | ')}`);

    if (MINUTES >= FULL_MINUTES || process.env.SOAK_RECORD === '1') {
      record({ name: 'soak', title: 'Soak (issue 13)', figures: { 'soak.rss_drift_percent': result.driftPercent, 'soak.max_stall_ms': result.maxStallMs }, markdown: section(result, sustained), command: 'npm run soak' });
      log('written to docs/benchmarks.json and docs/benchmarks.md');
    } else {
      log(`a ${MINUTES}-minute run: not recorded (SOAK_RECORD=1 records it anyway)`);
    }
  } finally {
    await browser?.close();
    await stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function section(r, sustained) {
  return `
| figure | value | goal |
|---|---|---|
| RSS drift over the last ${r.windowS / 60} minutes (least-squares line through ${r.scrapes} scrapes) | **${r.driftPercent} %** | < 5 % |
| longest event-loop stall in that window (server's perf_hooks, 1-minute gauge at each scrape) | **${r.maxStallMs} ms** | <= 50 ms |
| server RSS in that window: first / last / min / max | ${r.rssMbFirst} / ${r.rssMbLast} / ${r.rssMbMin} / ${r.rssMbMax} MB | |
| results acknowledged over the whole run; skipped for want of acknowledgements | ${r.acked.toLocaleString('en-US')}; ${r.skipped} (${sustained ? 'sustained' : 'NOT sustained'}) | |
| browser: page errors; grid at the end | ${r.pageErrors}; "${r.gridSummary.replace(/\s+/g, ' ')}" | 0 |

How it was measured: the built server (production Node flags, TLS, a data directory seeded with the last hour of
every pair's samples, so that the hour cache starts as full as after an hour of running: a soak from an empty database
measures the cache filling up, by design, not a leak) under L1 (${AGENTS} simulated
agents x ${TARGETS} targets, registered with the join passphrase and approved through the API, each sending every second the
fifth of its targets probed in that second, as in the ingest benchmark) for a ${WARMUP_S}-s warm-up and then ${r.minutes} minutes,
with headless Chromium signed in on the live grid throughout and a scraper reading \`/api/metrics\` every ${SCRAPE_S} s with a
\`metrics:read\` token. Drift is the rise of the fitted line over the window relative to its start; the stall is the largest
\`meshping_event_loop_stall_max_seconds{window="1m"}\` read in the window (the simulated agents, the browser and the scraper
share the machine's cores with the server; load average at the end: ${r.loadAverage}).`;
}

function leastSquares(points) {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const slope = sxx ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx };
}

const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;

main().then(
  () => process.exit(0),
  (err) => {
    console.error('[soak] failed:', err);
    process.exit(1);
  },
);
