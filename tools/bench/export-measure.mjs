#!/usr/bin/env node
// Measures the streamed exports (issue 14): one pair's samples over the longest window (744 h, every
// 5 s: 535,680 rows) from the real built server, as CSV and as JSON: time to the first and the last
// byte, and the server's RSS (VmRSS from /proc, sampled every 10 ms) before and at its peak while it
// streams; then a client that stops reading for 5 s (backpressure: the server must not buffer the
// rest), and for comparison the older /samples endpoint, which builds its whole answer in memory;
// for each, how long /api/health took meanwhile (asked every 50 ms over a kept-alive connection:
// what the export costs everyone else), against 10 s of the idle server (the machine's own noise).
// Not part of `npm run bench`: run `npm run build && node tools/bench/export-measure.mjs`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, run, startServer } from './ingest.bench.mjs';
import { root } from './record.mjs';

const HOURS = 744;
const main = join(root, 'dist/server/main.js');
if (!existsSync(main)) throw new Error('dist/server/main.js is missing: npm run build first');
const tmp = mkdtempSync(join(tmpdir(), 'meshping-export-measure-'));
const dataDir = join(tmp, 'data');
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const { build } = await import('esbuild');
mkdirSync(join(root, 'dist/bench'), { recursive: true });
const seedBundle = join(root, 'dist/bench/export-seed.cjs');
await build({ entryPoints: [join(root, 'tools/bench/export-seed.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: seedBundle, tsconfig: join(root, 'server/tsconfig.app.json'), packages: 'external', logLevel: 'error' });
const seedStarted = Date.now();
const seed = JSON.parse(await run(process.execPath, [seedBundle], { EXPORT_SEED: JSON.stringify({ dataDir, hours: HOURS, end: Date.now() }) }));
console.log(`seeded ${seed.samples} samples over ${HOURS} h in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);

const server = await startServer(main, { MESHPING_DATA_DIR: dataDir, MESHPING_RETENTION_HOURS: '800', MESHPING_LOG_LEVEL: 'warn' });
const results = [];
try {
  const api = new Api(server.url);
  await api.post('/api/auth/setup', { setupCode: await setupCode(server), username: 'admin', password: 'bench password 1' });
  const cookie = [...api.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const window = `from=${seed.from}&to=${seed.to}`;
  // The first export after start also grows V8's heap to its working size (young generation: the
  // server runs with 32 MB semi-spaces): reported on its own; the others run on the warmed server.
  const first = healthProbe(server);
  const warm = await download(server, cookie, `/api/pairs/1/1/export?${window}&format=csv`);
  results.push({ label: 'CSV, 744 h, first export after start', ...warm, health: first.stop() });
  console.log(JSON.stringify(results.at(-1)));
  await sleep(2_000);
  const idle = healthProbe(server);
  await sleep(10_000);
  results.push({ label: 'idle server, 10 s (the machine\'s noise)', rows: null, bytes: 0, firstByteMs: '-', lastByteMs: 10_000, rssBeforeMb: '-', rssGrowthMb: 0, health: idle.stop() });
  console.log(JSON.stringify(results.at(-1)));
  for (const [label, path, pauseMs] of [
    ['CSV, 744 h', `/api/pairs/1/1/export?${window}&format=csv`, 0],
    ['JSON, 744 h', `/api/pairs/1/1/export?${window}&format=json`, 0],
    ['CSV, 744 h, client stops reading for 5 s', `/api/pairs/1/1/export?${window}&format=csv`, 5_000],
    ['baseline: /samples 743 h (whole answer in memory)', `/api/pairs/1/1/samples?since=${Date.now() - 743 * 3_600_000}`, 0],
  ]) {
    const health = healthProbe(server);
    const r = await download(server, cookie, path, pauseMs);
    results.push({ label, ...r, health: health.stop() });
    console.log(JSON.stringify(results.at(-1)));
    await sleep(3_000);
  }
} finally {
  await server.stop();
}

console.log('\n| export | rows | MB | first byte | last byte | server RSS before | peak growth | /api/health meanwhile: p50 / p99 / max |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.label} | ${r.rows === null ? '-' : r.rows.toLocaleString('en-US')} | ${(r.bytes / 1e6).toFixed(1)} | ${r.firstByteMs === '-' ? '-' : `${r.firstByteMs} ms`} | ${(r.lastByteMs / 1000).toFixed(2)} s | ${r.rssBeforeMb === '-' ? '-' : `${r.rssBeforeMb} MB`} | +${r.rssGrowthMb} MB${r.pauseGrowthMb !== undefined ? ` (+${r.pauseGrowthMb} MB in the pause)` : ''} | ${r.health.p50} / ${r.health.p99} / ${r.health.max} ms (${r.health.n}) |`);
}

/** Downloads `path`, counting bytes and lines (nothing kept), while sampling the server's RSS. */
async function download(srv, cookie, path, pauseMs = 0) {
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${srv.pid}/status`, 'utf8'))[1]) / 1024;
  const rssBefore = rss();
  let peak = rssBefore;
  let pauseEnd = null;
  let pausePeak = 0;
  const sampler = setInterval(() => {
    const v = rss();
    peak = Math.max(peak, v);
    if (pauseEnd !== null && Date.now() < pauseEnd) pausePeak = Math.max(pausePeak, v);
  }, 10);
  const started = performance.now();
  let firstByteMs = null;
  let bytes = 0;
  let lines = 0;
  try {
    await new Promise((resolve, reject) => {
      const req = request(new URL(path, srv.url), { headers: { cookie }, rejectUnauthorized: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`${path}: ${res.statusCode}`));
        res.on('data', (chunk) => {
          firstByteMs ??= Math.round(performance.now() - started);
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
          if (pauseMs && pauseEnd === null) {
            res.pause();
            pauseEnd = Date.now() + pauseMs;
            pausePeak = rss();
            setTimeout(() => res.resume(), pauseMs);
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    clearInterval(sampler);
  }
  const lastByteMs = Math.round(performance.now() - started);
  const round = (v) => Math.round(v * 10) / 10;
  // CSV: a header line and a line per row; JSON export: "[", a line per element, "]"; /samples: one line.
  const rows = path.includes('/samples') ? null : path.includes('format=json') ? lines - 2 : lines - 1;
  const out = { rows, bytes, firstByteMs, lastByteMs, rssBeforeMb: round(rssBefore), rssGrowthMb: round(peak - rssBefore) };
  if (pauseMs) out.pauseGrowthMb = round(pausePeak - rssBefore);
  return out;
}

/** Asks /api/health every 50 ms (one kept-alive connection) until stopped; latency quantiles in ms. */
function healthProbe(srv) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      const ok = await new Promise((resolve) => {
        const req = request(new URL('/api/health', srv.url), { agent, rejectUnauthorized: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(true));
        });
        req.on('error', () => resolve(false)); // only when stopping (the agent destroyed)
        req.end();
      });
      if (ok) times.push(performance.now() - started);
      await sleep(50);
    }
  })();
  return {
    stop() {
      stopped = true;
      void loop.finally(() => agent.destroy());
      const sorted = [...times].sort((a, b) => a - b);
      const q = (p) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
      return { n: sorted.length, p50: q(0.5), p99: q(0.99), max: Math.round(sorted.at(-1) ?? 0) };
    },
  };
}

/** The setup code line may come a moment after "listening". */
async function setupCode(srv) {
  for (let i = 0; ; i++) {
    try {
      return srv.setupCode();
    } catch (err) {
      if (i === 50) throw err;
      await sleep(100);
    }
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
