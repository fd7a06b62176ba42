// Ingest benchmark (issue 6). Four parts, all in one run:
// 1. A simulated day through the server's real storage code into a real SQLite file (day-sim.ts,
//    in-process with a simulated clock: the server rightly refuses results older than its
//    acceptance window, so a day cannot be replayed over the wire): bytes on disk per sample.
// 2. The real built server (dist/server/main.js) started on that file: p50/p99 of the pair-series
//    query over HTTP for 1 h (memory) and 24 h (disk + memory).
// 3. The same server under live load L1 (100 agents x 1,000 targets every 5 s) from simulated
//    agents in another process (sim-agents.ts) over real WebSockets, registered with the join
//    passphrase and approved through the API like real agents: results acknowledged per server
//    CPU-second, server CPU %, RSS, and the longest event-loop stall (measured inside the server by
//    perf_hooks, read from the authenticated /api/metrics endpoint). Then a shorter L2 step.
// 4. The naive baseline in this process: one row per sample through TypeORM save().
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { request } from 'node:https';
import { SERVER_NODE_FLAGS } from '../server-node-flags.mjs';

const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 60);
const L2_MEASURE_S = Number(process.env.BENCH_L2_MEASURE_S ?? 60);
const DAY = { agents: 20, targets: 100, hours: Number(process.env.BENCH_DAY_HOURS ?? 24) };
const QUERIES = 400;
const WARMUP_QUERIES = 50;
/** Live load: seconds between the agents' start and the measured window. */
const WARMUP_S = 20;

export default async function ingestBench(ctx) {
  const { root, tmp, log } = ctx;
  const main = join(root, 'dist/server/main.js');
  if (!existsSync(main)) throw new Error('dist/server/main.js is missing: npm run build first');
  const bundles = await bundle(root);
  const dataDir = join(tmp, 'data');

  // 1. A simulated day into a real SQLite file.
  log(`simulating ${DAY.hours} h of ${DAY.agents} agents x ${DAY.targets} targets through the storage code`);
  const day = JSON.parse(await run(process.execPath, [bundles.daySim], { DAY_SIM: JSON.stringify({ dataDir, ...DAY, end: Date.now() }) }));
  const bytesPerSample = day.bytes / day.samples;
  const cacheBytesPerSample = day.cacheBytes / (day.cachePairs * 720);
  log(`cache: ${(day.cacheBytes / 2 ** 20).toFixed(1)} MiB at most over the last hour for ${day.cachePairs} pairs, ${cacheBytesPerSample.toFixed(2)} B per sample of an hour`);
  log(`day: ${day.samples} samples, ${(day.bytes / 2 ** 20).toFixed(1)} MiB, ${bytesPerSample.toFixed(2)} B/sample; store ingest ${(day.samples / day.cpuSeconds).toFixed(0)} samples/CPU-s`);

  // 2. The real server on that file; queries.
  const targets = Array.from({ length: 1000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`).join(',');
  const server = await startServer(main, { MESHPING_DATA_DIR: dataDir, MESHPING_INITIAL_TARGETS: targets, MESHPING_LOG_LEVEL: 'warn' });
  try {
    const api = new Api(server.url);
    await api.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'bench password 1' });
    const q1 = await queryLatency(api, 3_600_000, 720);
    const q24 = await queryLatency(api, 24 * 3_600_000, 1440);
    log(`series 1 h: p50 ${q1.p50.toFixed(2)} ms p99 ${q1.p99.toFixed(2)} ms (first ${WARMUP_QUERIES}, cold: max ${q1.coldMax.toFixed(2)} ms); 24 h: p50 ${q24.p50.toFixed(2)} ms p99 ${q24.p99.toFixed(2)} ms (cold max ${q24.coldMax.toFixed(2)} ms)`);

    // The same stall measure on the idle server first: what the machine alone does to the event loop.
    const idleStalls = [];
    for (let i = 0; i < 3; i++) {
      await sleep(10_000);
      idleStalls.push(await maxStall(api));
    }
    log(`idle server: longest stall per 10-s window: ${idleStalls.map((x) => x.toFixed(0)).join(', ')} ms; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);

    // 3. Live load.
    const { passphrase } = (await api.get('/api/enrollment')).body;
    const l1 = await liveLoad({ api, server, bundles, passphrase, agents: 100, workers: 1, measureS: MEASURE_S, log, label: 'L1' });
    const q1Loaded = await queryLatency(api, 3_600_000, 720, 100);
    const l2 = L2_MEASURE_S
      ? await liveLoad({ api, server, bundles, passphrase, agents: 1000, workers: 2, measureS: L2_MEASURE_S, log, label: 'L2' })
      : { ackedPerSecond: 0, offeredPerSecond: 0, cpuPercent: 0, rssMb: 0, maxStallMs: 0, canaryMaxStallMs: 0, runQueueWaitPercent: 0, skipped: 0, backlogStart: 0, backlogEnd: 0, ackP50Ms: 0, ackP99Ms: 0, ackMaxMs: 0, sustained: false }; // BENCH_L2_MEASURE_S=0: skipped
    const rssMb = l1.rssMb;

    // 4. Baseline.
    log('baseline: one row per sample through TypeORM save()');
    const baseline = await naiveBaseline(root, join(tmp, 'baseline'));
    log(`baseline: ${baseline.perCpuSecond.toFixed(0)} samples/CPU-s, ${baseline.bytesPerSample.toFixed(1)} B/sample`);

    const figures = {
      'ingest.results_per_cpu_second': Math.round(l1.perCpuSecond),
      'ingest.l1_server_cpu_percent': round(l1.cpuPercent, 1),
      'ingest.l1_results_per_second': Math.round(l1.ackedPerSecond),
      'ingest.l2_results_per_second': Math.round(l2.ackedPerSecond),
      'ingest.l2_offered_per_second': Math.round(l2.offeredPerSecond),
      'ingest.l2_server_cpu_percent': round(l2.cpuPercent, 1),
      'ingest.l2_sustained': l2.sustained ? 1 : 0,
      'ingest.l2_skipped_results': l2.skipped,
      'ingest.l2_backlog_end_results': l2.backlogEnd,
      'ingest.l2_ack_p99_ms': l2.ackP99Ms,
      'ingest.l1_ack_p99_ms': l1.ackP99Ms,
      'ingest.store_samples_per_cpu_second': Math.round(day.samples / day.cpuSeconds),
      'storage.bytes_per_sample': round(bytesPerSample, 2),
      'storage.day_samples': day.samples,
      'storage.day_bytes': day.bytes,
      'cache.bytes_per_sample': round(cacheBytesPerSample, 2),
      'query.hour_p50_ms': round(q1.p50, 2),
      'query.hour_p99_ms': round(q1.p99, 2),
      'query.hour_p99_under_l1_ms': round(q1Loaded.p99, 2),
      'query.day_p50_ms': round(q24.p50, 2),
      'query.day_p99_ms': round(q24.p99, 2),
      'query.hour_cold_max_ms': round(q1.coldMax, 2),
      'query.day_cold_max_ms': round(q24.coldMax, 2),
      'query.hour_http_p99_ms': round(q1.httpP99, 2),
      'query.day_http_p99_ms': round(q24.httpP99, 2),
      'server.rss_mb': Math.round(rssMb),
      'server.l2_rss_mb': Math.round(l2.rssMb),
      'server.max_event_loop_stall_ms': round(l1.maxStallMs, 1),
      'server.l1_median_window_stall_ms': round(l1.medianStallMs, 1),
      'server.idle_max_event_loop_stall_ms': round(Math.max(...idleStalls), 1),
      'server.l2_max_event_loop_stall_ms': round(l2.maxStallMs, 1),
      'server.l1_canary_max_stall_ms': round(l1.canaryMaxStallMs, 1),
      'server.l2_canary_max_stall_ms': round(l2.canaryMaxStallMs, 1),
      'server.l1_run_queue_wait_percent': round(l1.runQueueWaitPercent, 1),
      'server.l2_run_queue_wait_percent': round(l2.runQueueWaitPercent, 1),
      'baseline.results_per_cpu_second': Math.round(baseline.perCpuSecond),
      'baseline.bytes_per_sample': round(baseline.bytesPerSample, 1),
      'ratio.ingest_vs_baseline': round(l1.perCpuSecond / baseline.perCpuSecond, 1),
      'ratio.bytes_baseline_vs_chunks': round(baseline.bytesPerSample / bytesPerSample, 1),
    };
    const markdown = `
| figure | Meshping (chunks) | naive baseline (TypeORM \`save()\`, one row per sample) | goal |
|---|---|---|---|
| results ingested per server CPU-second (L1, live over WebSocket) | **${fmt(l1.perCpuSecond)}** | ${fmt(baseline.perCpuSecond)} (in-process, no network) | L1 <= 10 % of a core |
| bytes on disk per stored sample (simulated day) | **${bytesPerSample.toFixed(2)}** | ${baseline.bytesPerSample.toFixed(1)} | <= 4 (stretch <= 2) |
| hour cache, bytes per sample | **${cacheBytesPerSample.toFixed(2)}** | - | <= 4 |
| pair series 1 h, p50 / p99 (query, idle server) | ${q1.p50.toFixed(2)} / **${q1.p99.toFixed(2)} ms** | - | p99 <= 5 ms |
| pair series 1 h, p50 / p99 (whole HTTPS request) | ${q1.httpP50.toFixed(2)} / ${q1.httpP99.toFixed(2)} ms | - | |
| pair series 1 h under L1, p99 (query / HTTPS) | ${q1Loaded.p99.toFixed(2)} / ${q1Loaded.httpP99.toFixed(2)} ms | - | |
| pair series 24 h, p50 / p99 (query) | ${q24.p50.toFixed(2)} / **${q24.p99.toFixed(2)} ms** | - | p99 <= 50 ms |
| pair series 24 h, p50 / p99 (whole HTTPS request) | ${q24.httpP50.toFixed(2)} / ${q24.httpP99.toFixed(2)} ms | - | |
| server CPU at L1 (${fmt(l1.ackedPerSecond)} results/s acknowledged) | **${l1.cpuPercent.toFixed(1)} %** of one core | - | <= 10 % |
| server RSS at L1 (plus a day on disk, an hour of ${fmt(DAY.agents * DAY.targets)} pairs warm) | ${Math.round(rssMb)} MB | - | |
| longest event-loop stall at L1 (max / median of 10-s windows) | **${l1.maxStallMs.toFixed(0)} ms** / ${l1.medianStallMs.toFixed(0)} ms | - | <= 50 ms |
| longest event-loop stall of the idle server, same machine, just before | ${Math.max(...idleStalls).toFixed(0)} ms | - | |
| during L1 / L2: longest stall of an idle canary process beside the server; share of time the server's main thread waited for a CPU | ${l1.canaryMaxStallMs.toFixed(0)} / ${l2.canaryMaxStallMs.toFixed(0)} ms; ${l1.runQueueWaitPercent.toFixed(1)} / ${l2.runQueueWaitPercent.toFixed(1)} % | - | |
| acknowledgement time at L1, p50 / p99 / max (sent to acked) | ${l1.ackP50Ms} / ${l1.ackP99Ms} / ${l1.ackMaxMs} ms | - | |
| L2 step: offered / acknowledged results per s | ${fmt(l2.offeredPerSecond)} / ${fmt(l2.ackedPerSecond)} | - | 200,000 sustained |
| L2 step: unacknowledged backlog at start / end of the window, results skipped, ack p50 / p99 / max | ${fmt(l2.backlogStart)} / ${fmt(l2.backlogEnd)}, ${fmt(l2.skipped)} skipped, ${l2.ackP50Ms} / ${l2.ackP99Ms} / ${l2.ackMaxMs} ms: **${l2.sustained ? 'sustained' : 'not sustained'}** | - | sustained |
| server CPU / RSS / longest stall in the L2 step | ${l2.cpuPercent.toFixed(0)} % / ${Math.round(l2.rssMb)} MB / ${l2.maxStallMs.toFixed(0)} ms | - | |

Ratio: **${(l1.perCpuSecond / baseline.perCpuSecond).toFixed(0)}x** the baseline's results per CPU-second,
**${(baseline.bytesPerSample / bytesPerSample).toFixed(1)}x** fewer bytes per sample.

How it was measured:
- **Disk**: ${fmt(day.samples)} samples (${DAY.agents} agents x ${DAY.targets} targets, ${DAY.hours} h at 5 s) written through the
  server's own SampleStore/SamplesRepository and migrations into a real SQLite file, in-process with a simulated
  clock (tools/bench/day-sim.ts), then compacted and vacuumed; bytes = pages in use x page size of the whole file
  (${(day.bytes / 2 ** 20).toFixed(1)} MiB, ${fmt(day.chunkRows)} chunk rows). Path model: RTT 0.2-80 ms log-uniform per path, +-5 % noise,
  a 3x spike in 0.5 % of probes, 0.2 % loss (20 % on one path in twenty), timer jitter 0-2 ms. That store wrote
  ${fmt(day.samples / day.cpuSeconds)} samples per CPU-second without the network.
- **Queries**: the real server started on that file; ${QUERIES} GET /api/pairs/:a/:t/series requests per window for random
  pairs, sequential, over HTTPS on 127.0.0.1 (720 points for 1 h, 1,440 for 24 h), after ${WARMUP_QUERIES} warm-up requests timed
  apart (the first requests after the start run before V8 has compiled the query path: the slowest of them took
  ${q1.coldMax.toFixed(1)} ms for 1 h and ${q24.coldMax.toFixed(1)} ms for 24 h). "query" is the time the server spent
  reading and downsampling (its Server-Timing header); the whole request adds TLS, routing, the session check (a
  session write per request: sessions roll) and JSON.
- **Live load**: ${MEASURE_S} s measured after a ${WARMUP_S} s warm-up (the stall windows are the server's own 10-s windows, the first of
  which can reach 10 s back into the warm-up; the agents' first seconds, when every pair arrives at once, stay out); 100 simulated agents registered with the join passphrase,
  approved through the API, each sending every second the fifth of its 1,000 targets probed in that second
  (binary results frames, as the real agent sends them), at its own phase within the second (a real agent's 1-s flush timer runs from its start; an
  earlier version of this bench sent every agent's batch at the same instant, a burst no real fleet produces). Server CPU from /proc/<pid>/stat; results counted when the server acknowledged them. Stalls are
  the server's own perf_hooks event-loop delay (10 ms resolution), so they include time the OS did not schedule the
  process: the simulated agents run on the same 2 cores (load average at the end of L1: ${l1.loadAverage.toFixed(1)}).
  The L2 step then registers 1,000 new agents (the L1 ones gone quiet) in two processes for ${L2_MEASURE_S} s on the same 2 cores; an agent that has 20 batches
  unacknowledged skips its next ones (a real agent would buffer them). "Sustained" means: nothing skipped in the
  window, the unacknowledged backlog at its end no larger than at its start plus 2 s of results, and 99 % of
  batches acknowledged within 5 s of being sent. (Acknowledgements in the window may exceed the results offered in
  it while a backlog from the agents' start drains: the backlog figures show it.)
- **Baseline**: an entity per sample (id, agent_id, target_id, at, rtt; index on agent_id, target_id, at) saved one by
  one with \`repository.save()\` for 20 s into a fresh SQLite file in WAL mode; its bytes per sample from the same table
  filled to 1,000,000 rows by multi-row INSERTs (same layout, faster to fill).`;
    return { title: 'Ingest, storage and queries (issue 6)', figures, markdown };
  } finally {
    await server.stop();
  }
}

const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;
const fmt = (v) => Math.round(v).toLocaleString('en-US');

export async function bundle(root) {
  const result = {};
  for (const [name, file] of [['daySim', 'day-sim'], ['simAgents', 'sim-agents']]) result[name] = await bundleScript(root, file);
  return result;
}

/** tools/bench/<file>.ts bundled by esbuild (the server's sources, its tsconfig paths) into dist/bench/<file>.cjs, for a child process. */
export async function bundleScript(root, file) {
  const { build } = await import('esbuild');
  const out = join(root, 'dist/bench');
  mkdirSync(out, { recursive: true });
  const outfile = join(out, `${file}.cjs`);
  await build({
    entryPoints: [join(root, 'tools/bench', `${file}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    tsconfig: join(root, 'server/tsconfig.app.json'),
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

export function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args[0]} exited with ${code}`))));
  });
}

export async function startServer(main, env) {
  // As in production (SERVER_NODE_FLAGS), plus any diagnostic flags (BENCH_SERVER_NODE_FLAGS, e.g. --cpu-prof).
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...(process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean), main], {
    // TLS on, as in production (and enrollment needs it): a self-signed certificate in the data directory.
    env: { ...process.env, MESHPING_HOST: '127.0.0.1', MESHPING_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  child.stderr.on('data', (d) => lines.push(d.toString()));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${lines.join('\n')}`)), 120_000);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${lines.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (process.env.BENCH_SERVER_NODE_FLAGS && !line.startsWith('{')) console.log(`[server] ${line}`);
      if (line.includes('"event":"listening"')) {
        clearTimeout(timer);
        resolve(JSON.parse(line).url);
      }
    });
  });
  return {
    url,
    pid: child.pid,
    setupCode() {
      const line = lines.find((l) => l.includes('setup.required'));
      const code = line && /setup code to create the first admin: ([A-Za-z0-9_-]+)/.exec(line)?.[1];
      if (!code) throw new Error('no setup code in the server log');
      return code;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/** Minimal cookie + CSRF client for the API over HTTPS (the server's certificate is self-signed). */
export class Api {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
  }
  get(path, extraHeaders) {
    return this.send('GET', path, undefined, extraHeaders);
  }
  post(path, body) {
    return this.send('POST', path, body);
  }
  send(method, path, body, extraHeaders = {}) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { accept: 'application/json', ...extraHeaders };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    // A bearer token (scripts, scrapers) goes without the session.
    if (this.cookies.size && !headers.authorization) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET' && this.cookies.has('XSRF-TOKEN')) headers['x-xsrf-token'] = this.cookies.get('XSRF-TOKEN');
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.base), { method, headers, rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair] = c.split(';');
            const i = pair.indexOf('=');
            this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
          }
          if (res.statusCode >= 400) return reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          const timing = /query;dur=([\d.]+)/.exec(res.headers['server-timing'] ?? '');
          const json = text && (res.headers['content-type'] ?? '').includes('json');
          resolve({ status: res.statusCode, body: json ? JSON.parse(text) : text, queryMs: timing ? Number(timing[1]) : null });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** Server-side query time (Server-Timing) and the whole HTTP round trip, p50 and p99, over random pairs. */
/**
 * Server-side query time (Server-Timing) and the whole HTTP round trip, p50 and p99, over random
 * pairs, after WARMUP_QUERIES that are timed apart (the first requests after start run before V8
 * has compiled the query path: their slowest is reported as `coldMax`).
 */
async function queryLatency(api, windowMs, points, n = QUERIES) {
  const query = [];
  const http = [];
  const cold = [];
  for (let i = 0; i < WARMUP_QUERIES + n; i++) {
    const a = 1 + Math.floor(Math.random() * DAY.agents);
    const t = 1 + Math.floor(Math.random() * DAY.targets);
    const to = Date.now();
    const started = process.hrtime.bigint();
    const res = await api.get(`/api/pairs/${a}/${t}/series?from=${to - windowMs}&to=${to}&points=${points}`);
    if (i === 0 && !res.body.points.length) throw new Error(`no points for pair ${a}/${t}`);
    if (i < WARMUP_QUERIES) {
      cold.push(res.queryMs);
      continue;
    }
    http.push(Number(process.hrtime.bigint() - started) / 1e6);
    query.push(res.queryMs);
  }
  const pct = (xs, p) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
  return { p50: pct(query, 50), p99: pct(query, 99), httpP50: pct(http, 50), httpP99: pct(http, 99), coldMax: Math.max(...cold) };
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) / 1024;
}

/** Seconds the process's main thread spent runnable but waiting for a CPU (/proc/<pid>/schedstat). */
function runQueueWaitSeconds(pid) {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
}

/**
 * An idle Node.js process measuring its own event-loop delay the same way as the server (10 ms
 * resolution, longest per 10-s window): what the machine alone does to an event loop while the load
 * runs. stop() returns its windows.
 */
function startCanary() {
  const script = `const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 }); h.enable();
    setInterval(() => { process.stdout.write(String(h.max / 1e6) + '\\n'); h.reset(); }, 10000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const windows = [];
  createInterface({ input: child.stdout }).on('line', (line) => windows.push(Number(line)));
  return {
    stop() {
      child.kill();
      return windows;
    },
  };
}

/** The longest event-loop pause in the server's last complete 10-s window. */
async function maxStall(api) {
  api.metricsToken ??= (await api.post('/api/tokens', { name: 'bench metrics', scopes: ['metrics:read'] })).body.token;
  const text = (await api.get('/api/metrics', { authorization: `Bearer ${api.metricsToken}` })).body;
  const m = /meshping_event_loop_stall_max_seconds\{window="10s"\} ([\d.e+-]+)/.exec(text);
  return Number(m[1]) * 1000;
}

/** `workers` child processes of simulated agents (sim-agents.ts), each with `next(type)` (its next report of that type) and `send(command)`. */
export async function forkSims(simAgents, workers) {
  const sims = [];
  for (let w = 0; w < workers; w++) {
    const child = fork(simAgents, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const inbox = [];
    const waiters = [];
    child.on('message', (m) => {
      if (m.type === 'failed') console.error(`[sim] ${m.error}`);
      const i = waiters.findIndex((x) => x.type === m.type || m.type === 'failed');
      if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
      else inbox.push(m);
    });
    const next = (type) =>
      new Promise((resolve, reject) => {
        const i = inbox.findIndex((m) => m.type === type);
        if (i >= 0) return resolve(inbox.splice(i, 1)[0]);
        waiters.push({ type, resolve: (m) => (m.type === 'failed' ? reject(new Error(m.error)) : resolve(m)) });
      });
    await next('hello');
    sims.push({ child, next, send: (m) => child.send(m) });
  }
  return sims;
}

async function liveLoad({ api, server, bundles, passphrase, agents, workers, measureS, log, label }) {
  const sims = await forkSims(bundles.simAgents, workers);
  const per = Math.ceil(agents / workers);
  log(`${label}: registering ${agents} agents`);
  const ids = [];
  for (const [w, sim] of sims.entries()) {
    sim.send({ type: 'register', url: server.url, passphrase, count: Math.min(per, agents - w * per), prefix: `${label.slice(0, 2)}-w${w}` });
    ids.push(...(await sim.next('registered')).agentIds);
  }
  for (const id of ids) await api.post(`/api/agents/${id}/approve`, {});
  for (const sim of sims) sim.send({ type: 'await-approval' });
  for (const sim of sims) await sim.next('ready');
  for (const sim of sims) sim.send({ type: 'start' });
  for (const sim of sims) await sim.next('started');
  // Totals of every simulated agent; ackTimes: send-to-acknowledgement times (ms) since the previous call.
  const counts = async () => {
    const total = { acked: 0, offered: 0, skipped: 0, backlog: 0, ackTimes: [] };
    for (const sim of sims) {
      sim.send({ type: 'counts' });
      const c = await sim.next('counts');
      for (const k of ['acked', 'offered', 'skipped', 'backlog']) total[k] += c[k];
      total.ackTimes.push(...c.ackTimes);
    }
    return total;
  };
  // Warm-up: the agents' first batches bring every pair to the server at once (first sight). The
  // stall figure is the server's own last complete 10-s window at each read, so the first read can
  // reach up to 10 s back: 20 s of warm-up keep the first seconds out of the measured windows.
  await sleep(WARMUP_S * 1000);
  const c0 = await counts();
  const cpu0 = cpuSeconds(server.pid);
  const wait0 = runQueueWaitSeconds(server.pid);
  const canary = startCanary();
  const t0 = Date.now();
  let maxStallMs = 0;
  const stalls = [];
  for (let s = 0; s < measureS; s += 10) {
    await sleep(Math.min(10, measureS - s) * 1000);
    stalls.push(await maxStall(api));
  }
  maxStallMs = Math.max(...stalls);
  const canaryStalls = canary.stop();
  const runQueueWait = runQueueWaitSeconds(server.pid) - wait0;
  log(`${label}: longest stall per 10-s window: ${stalls.map((x) => x.toFixed(0)).join(', ')} ms; an idle canary process beside it: ${canaryStalls.map((x) => x.toFixed(0)).join(', ')} ms; the server's main thread waited ${runQueueWait.toFixed(1)} s for a CPU`);
  const c1 = await counts();
  const cpu = cpuSeconds(server.pid) - cpu0;
  const wall = (Date.now() - t0) / 1000;
  const rss = rssMb(server.pid);
  // Agents of this step stay connected but quiet: later steps add their load on top of nothing.
  for (const sim of sims) sim.send({ type: 'stop' });
  for (const sim of sims) await sim.next('stopped');
  const acked = c1.acked - c0.acked;
  const ackTimes = c1.ackTimes.sort((x, y) => x - y);
  const ackPct = (q) => ackTimes[Math.min(ackTimes.length - 1, Math.floor(q * ackTimes.length))] ?? NaN;
  const offeredPerSecond = (c1.offered - c0.offered) / wall;
  // Sustained: nothing skipped for want of acknowledgements, the unacknowledged backlog no larger at
  // the end than at the start (plus 2 s of results in flight), acknowledgements within 5 s.
  const skipped = c1.skipped - c0.skipped;
  const sustained = skipped === 0 && c1.backlog <= c0.backlog + 2 * offeredPerSecond && ackPct(0.99) <= 5000;
  const result = {
    perCpuSecond: acked / cpu,
    cpuPercent: (cpu / wall) * 100,
    ackedPerSecond: acked / wall,
    offeredPerSecond,
    skipped,
    backlogStart: c0.backlog,
    backlogEnd: c1.backlog,
    ackP50Ms: ackPct(0.5),
    ackP99Ms: ackPct(0.99),
    ackMaxMs: ackTimes.at(-1) ?? NaN,
    sustained,
    rssMb: rss,
    maxStallMs,
    medianStallMs: [...stalls].sort((x, y) => x - y)[Math.floor(stalls.length / 2)],
    canaryMaxStallMs: Math.max(0, ...canaryStalls),
    runQueueWaitPercent: (runQueueWait / wall) * 100,
    loadAverage: loadavg()[0],
  };
  log(`${label}: backlog ${fmt(c0.backlog)} -> ${fmt(c1.backlog)} results, ${fmt(skipped)} skipped, ack p50/p99/max ${result.ackP50Ms}/${result.ackP99Ms}/${result.ackMaxMs} ms: ${sustained ? 'sustained' : 'NOT sustained'}`);
  log(`${label}: ${fmt(result.ackedPerSecond)} results/s acknowledged of ${fmt(result.offeredPerSecond)} offered, server ${result.cpuPercent.toFixed(1)} % CPU, ${fmt(result.perCpuSecond)} results/CPU-s, RSS ${Math.round(rss)} MB, longest stall ${maxStallMs.toFixed(0)} ms`);
  return result;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function naiveBaseline(root, dir) {
  mkdirSync(dir, { recursive: true });
  const { DataSource, EntitySchema } = await import('typeorm');
  const Sample = new EntitySchema({
    name: 'Sample',
    tableName: 'samples',
    columns: {
      id: { type: 'integer', primary: true, generated: 'increment' },
      agentId: { type: 'integer', name: 'agent_id' },
      targetId: { type: 'integer', name: 'target_id' },
      at: { type: 'integer' },
      rtt: { type: 'integer' },
    },
    indices: [{ name: 'samples_pair_at', columns: ['agentId', 'targetId', 'at'], unique: true }],
  });
  const file = join(dir, 'baseline.sqlite');
  const db = new DataSource({ type: 'sqlite', database: file, enableWAL: true, entities: [Sample], synchronize: true, logging: false });
  await db.initialize();
  const repo = db.getRepository('Sample');
  const start = Date.now() - 3_600_000;
  let n = 0;
  const cpu0 = process.cpuUsage();
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    for (let i = 0; i < 100; i++, n++) await repo.save({ agentId: 1 + (n % 100), targetId: 1 + Math.floor(n / 100) % 1000, at: start + Math.floor(n / 100000) * 5000, rtt: 300 + (n % 5000) });
  }
  const cpu = process.cpuUsage(cpu0);
  const perCpuSecond = n / ((cpu.user + cpu.system) / 1e6);
  // Fill to 1,000,000 rows (same table and index) for a representative size.
  const total = 1_000_000;
  for (let done = n; done < total; ) {
    const rows = [];
    const params = [];
    for (let i = 0; i < 2000 && done < total; i++, done++) {
      rows.push('(?,?,?,?)');
      params.push(1 + (done % 100), 1 + (Math.floor(done / 100) % 1000), start + Math.floor(done / 100000) * 5000, 300 + Math.floor(Math.random() * 80_000));
    }
    await db.query(`INSERT INTO samples (agent_id, target_id, at, rtt) VALUES ${rows.join(',')}`, params);
  }
  await db.query('PRAGMA wal_checkpoint(TRUNCATE)');
  const [{ page_count }] = await db.query('PRAGMA page_count');
  const [{ freelist_count }] = await db.query('PRAGMA freelist_count');
  const [{ page_size }] = await db.query('PRAGMA page_size');
  await db.destroy();
  return { perCpuSecond, bytesPerSample: ((page_count - freelist_count) * page_size) / total };
}
