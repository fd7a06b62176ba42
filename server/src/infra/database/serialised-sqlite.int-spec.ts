import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SelfDeadlockError, serialiseSqlite } from './serialised-sqlite';

/** The lock over TypeORM's one sqlite connection, on a real SQLite file. */
describe(serialiseSqlite.name, () => {
  let dir: string;
  let db: DataSource;
  const rows = async () => ((await db.query('SELECT v FROM t ORDER BY v')) as { v: string }[]).map((r) => r.v);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshping-tx-'));
    db = new DataSource({ type: 'sqlite', database: join(dir, 'db.sqlite'), enableWAL: true });
    serialiseSqlite(db);
    await db.initialize();
    await db.query('CREATE TABLE t (v TEXT PRIMARY KEY)');
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent transactions with savepoints and plain writes alongside: each whole or absent, plain writes never rolled back', async () => {
    const work = Array.from({ length: 30 }, (_, i) => [
      db
        .transaction(async (em) => {
          await em.query('INSERT INTO t VALUES (?)', [`tx${i}a`]);
          // A nested savepoint that fails is undone alone; the outer transaction carries on.
          await em.transaction(async (inner) => {
            await inner.query('INSERT INTO t VALUES (?)', [`tx${i}inner`]);
            throw new Error('undo the savepoint');
          }).catch(() => undefined);
          await new Promise((r) => setImmediate(r));
          await em.query('INSERT INTO t VALUES (?)', [`tx${i}b`]);
          if (i % 3 === 0) throw new Error('roll back');
        })
        .catch(() => undefined),
      db.query('INSERT INTO t VALUES (?)', [`plain${i}`]),
    ]).flat();
    await Promise.all(work);
    const expected = Array.from({ length: 30 }, (_, i) => [`plain${i}`, ...(i % 3 === 0 ? [] : [`tx${i}a`, `tx${i}b`])]).flat();
    expect(await rows()).toEqual(expected.sort());
  });

  it('a query runner released inside its transaction rolls it back and frees the connection', async () => {
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    await runner.query("INSERT INTO t VALUES ('manual')");
    await runner.startTransaction();
    await runner.query("INSERT INTO t VALUES ('savepoint')");
    await runner.release();
    await db.transaction((em) => em.query("INSERT INTO t VALUES ('next')"));
    expect(await rows()).toEqual(['next']);
  });

  it('refuses a query a transaction callback makes outside its em (it would wait for itself), and rolls back', async () => {
    const outside = db.transaction(async (em) => {
      await em.query("INSERT INTO t VALUES ('inside')");
      await db.query("INSERT INTO t VALUES ('outside')");
    });
    await expect(outside).rejects.toBeInstanceOf(SelfDeadlockError);
    const nested = db.transaction(async () => db.transaction(async (em) => em.query("INSERT INTO t VALUES ('nested')")));
    await expect(nested).rejects.toBeInstanceOf(SelfDeadlockError);
    expect(await rows()).toEqual([]);
    // The lock is free again.
    await db.transaction((em) => em.query("INSERT INTO t VALUES ('after')"));
    expect(await rows()).toEqual(['after']);
  });
});
