import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Sample } from '@meshping/protocol';
import type { DataSource } from 'typeorm';

/** Rows per INSERT statement: 4 parameters each, well under SQLite's 32,766-parameter limit. */
const ROWS_PER_STATEMENT = 500;

export interface StoredSample extends Sample {
  agentId: number;
}

/**
 * All SQL for samples. Writes are batched multi-row INSERTs inside one transaction per batch and
 * go through a single queue: SQLite has one writer, and interleaved transactions on the shared
 * connection would fail.
 */
@Injectable()
export class SamplesRepository {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores a batch atomically; a (agent, target, at) already stored is kept as it was. Returns rows added. */
  insertBatch(agentId: number, samples: readonly Sample[]): Promise<number> {
    const run = this.tail.then(() => this.insert(agentId, samples));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private insert(agentId: number, samples: readonly Sample[]): Promise<number> {
    return this.db.transaction(async (em) => {
      let added = 0;
      for (let start = 0; start < samples.length; start += ROWS_PER_STATEMENT) {
        const chunk = samples.slice(start, start + ROWS_PER_STATEMENT);
        const params: number[] = [];
        for (const s of chunk) params.push(agentId, s.targetId, s.at, s.rtt);
        const values = chunk.map(() => '(?,?,?,?)').join(',');
        await em.query(`INSERT OR IGNORE INTO samples (agent_id, target_id, at, rtt) VALUES ${values}`, params);
        const [{ n }] = await em.query('SELECT changes() AS n');
        added += n;
      }
      return added;
    });
  }

  async findPair(agentId: number, targetId: number, since: number): Promise<Sample[]> {
    const rows: { at: number; rtt: number }[] = await this.db.query(
      'SELECT at, rtt FROM samples WHERE agent_id = ? AND target_id = ? AND at >= ? ORDER BY at',
      [agentId, targetId, since],
    );
    return rows.map((r) => ({ targetId, at: r.at, rtt: r.rtt }));
  }
}
