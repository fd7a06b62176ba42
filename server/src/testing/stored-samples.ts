import { Database, OPEN_READONLY } from 'sqlite3';
import { BUCKET_MS, decodeChunk, decodeJournal, HOUR_MS, valueToRtt } from '../app/monitoring/storage/sample-codec';

export interface StoredRow {
  agent_id: number;
  target_id: number;
  at: number;
  rtt: number;
}

export interface StoredSamples {
  /** Samples in chunk rows (chunks_<hour> tables). */
  chunks: StoredRow[];
  /** Samples in the journal (committed, not yet known to be written as chunks). */
  journal: StoredRow[];
  /** Both, each (agent, target, at) once, sorted by agent, target, at. */
  all: StoredRow[];
  /** (agent, target, at) keys found more than once within the chunks, or within the journal. */
  duplicates: string[];
}

function query<T>(db: Database, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
}

/** Reads every stored sample straight from a Meshping SQLite file (read-only), decoding chunks and journal. */
export async function readStoredSamples(file: string): Promise<StoredSamples & { integrity: string }> {
  const db = await new Promise<Database>((resolve, reject) => {
    const d = new Database(file, OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  });
  try {
    const chunks: StoredRow[] = [];
    const journal: StoredRow[] = [];
    const tables = await query<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'chunks\\_%' ESCAPE '\\'");
    for (const { name } of tables) {
      const hour = Number(name.slice('chunks_'.length));
      for (const r of await query<{ agent_id: number; target_id: number; bucket: number; data: Buffer }>(db, `SELECT agent_id, target_id, bucket, data FROM ${name}`)) {
        decodeChunk(hour * HOUR_MS + r.bucket * BUCKET_MS, r.data, (at, v) => chunks.push({ agent_id: r.agent_id, target_id: r.target_id, at, rtt: valueToRtt(v) }));
      }
    }
    for (const r of await query<{ data: Buffer }>(db, 'SELECT data FROM sample_journal ORDER BY id')) {
      decodeJournal(r.data, (agent_id, target_id, at, rtt) => journal.push({ agent_id, target_id, at, rtt }));
    }
    const [{ integrity_check: integrity }] = await query<{ integrity_check: string }>(db, 'PRAGMA integrity_check');
    const key = (r: StoredRow) => `${r.agent_id}/${r.target_id}/${r.at}`;
    const duplicates: string[] = [];
    const merged = new Map<string, StoredRow>();
    for (const list of [chunks, journal]) {
      const seen = new Set<string>();
      for (const r of list) {
        const k = key(r);
        if (seen.has(k)) duplicates.push(k);
        seen.add(k);
        if (!merged.has(k)) merged.set(k, r);
      }
    }
    const all = [...merged.values()].sort((a, b) => a.agent_id - b.agent_id || a.target_id - b.target_id || a.at - b.at);
    return { chunks, journal, all, duplicates, integrity };
  } finally {
    db.close();
  }
}
