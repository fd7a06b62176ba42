// Seeds a SQLite file for the export measurement (export-measure.mjs): one agent, and `hours` of one
// pair's samples every 5 s, written as the server writes them (chunk rows through SamplesRepository,
// after the server's migrations). Bundled by esbuild and run as a child process; prints one JSON line.
import { PROBE_INTERVAL_MS, RttCode } from '@meshping/protocol';
import { BUCKET_MS, HOUR_MS, type ChunkRow } from '../../server/src/app/monitoring/samples.repository';
import { encodeChunk, rttToValue } from '../../server/src/app/monitoring/storage/sample-codec';
import { openSeedDatabase } from './seed-db';

const { dataDir, hours, end } = JSON.parse(process.env['EXPORT_SEED'] as string) as { dataDir: string; hours: number; end: number };

async function main(): Promise<void> {
  const { db, samples: repo, close } = await openSeedDatabase(dataDir);
  await db.query("INSERT INTO agents (hostname, version, addresses, state, is_local) VALUES ('bench-agent', '0.1.0', '[]', 'approved', 0)");
  // Whole hours ending at the hour before `end` (older than what the server's hour cache loads).
  const to = Math.floor(end / HOUR_MS) * HOUR_MS - HOUR_MS;
  const from = to - hours * HOUR_MS;
  let samples = 0;
  let rows: ChunkRow[] = [];
  for (let start = from; start < to; start += BUCKET_MS) {
    const ats: number[] = [];
    const values: number[] = [];
    for (let at = start + 1_234; at < start + BUCKET_MS; at += PROBE_INTERVAL_MS) {
      ats.push(at);
      values.push(rttToValue(samples % 100 === 0 ? RttCode.NO_REPLY : 800 + ((samples * 7919) % 40_000)));
      samples++;
    }
    const hour = Math.floor(start / HOUR_MS);
    rows.push({ hour, agentId: 1, targetId: 1, bucket: (start - hour * HOUR_MS) / BUCKET_MS, data: encodeChunk(start, ats, values, ats.length) });
    if (rows.length === 1_200) {
      await repo.writeChunks(rows);
      rows = [];
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
