// A simulated day of samples written through the server's real storage code (SampleStore,
// SamplesRepository, the migrations) into a real SQLite file, in-process with a simulated clock:
// the server refuses results older than its acceptance window, so a day cannot be sent over the
// wire in minutes. Bundled by esbuild and run as a child process by ingest.bench.mjs; prints one
// JSON line with its figures.
import { PROBE_INTERVAL_MS, RttCode } from '@meshping/protocol';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SamplesRepository, BUCKET_MS } from '../../server/src/app/monitoring/samples.repository';
import { COMPACT_GRACE_MS, SampleStore } from '../../server/src/app/monitoring/storage/sample-store';
import { MIGRATIONS } from '../../server/src/infra/database/migrations';

const { dataDir, agents, targets, hours, end } = JSON.parse(process.env['DAY_SIM'] as string) as {
  dataDir: string;
  agents: number;
  targets: number;
  hours: number;
  end: number;
};

/** A deterministic PRNG (mulberry32), so every run stores the same day. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const db = new DataSource({
    type: 'sqlite',
    database: join(dataDir, 'meshping.sqlite'),
    enableWAL: true,
    migrations: MIGRATIONS,
    migrationsRun: true,
  });
  await db.initialize();
  const repo = new SamplesRepository(db);
  await repo.ensureIncrementalVacuum();
  const random = prng(42);
  const start = Math.floor((end - hours * 3_600_000) / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS;
  let now = start;
  const store = new SampleStore(repo, () => now);
  // Per path: a typical RTT (0.2-80 ms, log-uniform), a scheduling phase, and a loss rate.
  const pairs = agents * targets;
  const base = Float64Array.from({ length: pairs }, () => 200 * Math.exp(random() * Math.log(400)));
  const phase = Int32Array.from({ length: pairs }, (_, p) => Math.floor(((p % targets) * PROBE_INTERVAL_MS) / targets));
  const lossy = Float64Array.from({ length: pairs }, () => (random() < 0.05 ? 0.2 : 0.002));
  const rounds = (hours * 3_600_000) / PROBE_INTERVAL_MS;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  let stored = 0;
  let cacheBytes = 0;
  for (let r = 0; r < rounds; r++) {
    const roundStart = start + r * PROBE_INTERVAL_MS;
    now = roundStart + PROBE_INTERVAL_MS;
    const commits: Promise<number>[] = [];
    for (let a = 0; a < agents; a++) {
      const roundBase = roundStart;
      const target: number[] = new Array(targets);
      const dt: number[] = new Array(targets);
      const rtt: number[] = new Array(targets);
      for (let t = 0; t < targets; t++) {
        const p = a * targets + t;
        const x = random();
        // Timer jitter of a few ms; RTT noise of +-5 %, a spike now and then, loss per path.
        target[t] = t + 1;
        dt[t] = phase[p] + Math.floor(random() * 3);
        rtt[t] = x < lossy[p] ? RttCode.NO_REPLY : Math.round(base[p] * (1 + (random() - 0.5) * 0.1) * (x > 0.995 ? 3 : 1));
      }
      const samples = { base: roundBase, target, dt, rtt };
      commits.push(store.ingest(a + 1, samples));
    }
    for (const n of await Promise.all(commits)) stored += n;
    if ((now - start) % 10_000 === 0) await store.compact(); // as the server does (COMPACT_EVERY_MS)
    // The cache over the last simulated hour, at its largest (an open bucket raw, the rest sealed).
    if (r >= rounds - 720) cacheBytes = Math.max(cacheBytes, store.cache.bytes);
  }
  now = end + BUCKET_MS + COMPACT_GRACE_MS;
  await store.compact();
  await store.drain();
  const cpu = process.cpuUsage(cpu0);
  const seconds = (Date.now() - t0) / 1000;
  await db.query('PRAGMA wal_checkpoint(TRUNCATE)');
  await repo.incrementalVacuum(1e9);
  const disk = await repo.bytesOnDisk();
  const chunkRows = (await Promise.all((await repo.chunkHours()).map((h) => db.query(`SELECT count(*) AS n FROM chunks_${h}`)))).reduce((n, [r]) => n + r.n, 0);
  await db.destroy();
  process.stdout.write(
    JSON.stringify({
      samples: stored,
      pairs,
      chunkRows,
      bytes: (disk.pages - disk.freePages) * disk.pageSize,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      wallSeconds: seconds,
      cacheBytes,
      cacheSamples: store.cache.samples,
      cachePairs: store.cache.pairs,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
