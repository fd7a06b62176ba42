// The database of a data directory made the way the server makes it (its migrations, WAL,
// incremental vacuum), for the bench's seeding scripts to write samples into as the server does.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SamplesRepository } from '../../server/src/app/monitoring/samples.repository';
import { MIGRATIONS } from '../../server/src/infra/database/migrations';

export async function openSeedDatabase(dataDir: string): Promise<{ db: DataSource; samples: SamplesRepository; close(): Promise<void> }> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new DataSource({ type: 'sqlite', database: join(dataDir, 'meshping.sqlite'), enableWAL: true, migrations: MIGRATIONS, migrationsRun: true });
  await db.initialize();
  const samples = new SamplesRepository(db);
  await samples.ensureIncrementalVacuum();
  return {
    db,
    samples,
    close: async () => {
      await db.query('PRAGMA wal_checkpoint(TRUNCATE)');
      await db.destroy();
    },
  };
}
