// Seeds the soak's data directory with the last hour of samples of every pair it will run (agents
// 1..A x targets 1..T: the ids the soak's registrations and MESHPING_INITIAL_TARGETS get on a fresh
// database), as chunk rows written as the server writes them, so that the server starts with its
// hour cache as full as after an hour of running. A soak from an empty database measures the cache
// filling up (it holds the last hour by design: ~2 MB a minute at L1), not a leak. Bundled by esbuild
// and run as a child process; prints one JSON line.
import { PROBE_INTERVAL_MS, RttCode } from '@meshping/protocol';
import { BUCKET_MS, HOUR_MS, type ChunkRow } from '../../server/src/app/monitoring/samples.repository';
import { ByteWriter, encodeChunk, rttToValue } from '../../server/src/app/monitoring/storage/sample-codec';
import { openSeedDatabase } from './seed-db';

const { dataDir, agents, targets, end } = JSON.parse(process.env['SOAK_SEED'] as string) as { dataDir: string; agents: number; targets: number; end: number };

async function main(): Promise<void> {
  const { samples: repo, close } = await openSeedDatabase(dataDir);
  // The closed buckets of the hour before `end` (the open one is the server's to fill).
  const to = Math.floor(end / BUCKET_MS) * BUCKET_MS;
  const from = to - HOUR_MS - BUCKET_MS;
  const writer = new ByteWriter(1 << 12);
  let samples = 0;
  let rows: ChunkRow[] = [];
  const ats: number[] = [];
  const values: number[] = [];
  for (let start = from; start < to; start += BUCKET_MS) {
    const hour = Math.floor(start / HOUR_MS);
    for (let a = 1; a <= agents; a++) {
      for (let t = 1; t <= targets; t++) {
        ats.length = 0;
        values.length = 0;
        const phase = ((a * 7919 + t * 104_729) % PROBE_INTERVAL_MS) | 0;
        for (let at = start + phase; at < start + BUCKET_MS; at += PROBE_INTERVAL_MS) {
          ats.push(at);
          values.push(rttToValue(samples % 97 === 0 ? RttCode.NO_REPLY : 300 + ((samples * 7919) % 60_000)));
          samples++;
        }
        rows.push({ hour, agentId: a, targetId: t, bucket: (start - hour * HOUR_MS) / BUCKET_MS, data: Buffer.from(encodeChunk(start, ats, values, ats.length, writer)) });
        if (rows.length === 5_000) {
          await repo.writeChunks(rows);
          rows = [];
        }
      }
    }
  }
  await repo.writeChunks(rows);
  await close();
  process.stdout.write(JSON.stringify({ samples, from, to }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
