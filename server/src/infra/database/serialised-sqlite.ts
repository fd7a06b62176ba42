import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource } from 'typeorm';
import { SqliteQueryRunner } from 'typeorm/driver/sqlite/SqliteQueryRunner';
import type { SqliteDriver } from 'typeorm/driver/sqlite/SqliteDriver';

/**
 * FIFO lock over the one SQLite connection: a transaction holds it exclusively from BEGIN to COMMIT/ROLLBACK;
 * a plain statement holds it shared (plain statements still overlap each other, as before).
 */
export class ConnectionLock {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: { exclusive: boolean; grant: () => void }[] = [];

  acquire(exclusive: boolean): Promise<void> {
    if (!this.waiting.length && this.free(exclusive)) {
      this.take(exclusive);
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiting.push({ exclusive, grant }));
  }

  release(exclusive: boolean): void {
    if (exclusive) this.exclusive = false;
    else this.shared--;
    // First come, first served: a waiting transaction is not overtaken by later plain statements.
    for (let next = this.waiting[0]; next && this.free(next.exclusive); next = this.waiting[0]) {
      this.waiting.shift();
      this.take(next.exclusive);
      next.grant();
    }
  }

  private free(exclusive: boolean): boolean {
    return !this.exclusive && (!exclusive || this.shared === 0);
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.exclusive = true;
    else this.shared++;
  }
}

/** The runner of the `transaction()` whose callback is running (to refuse a query that would wait for itself). */
const callbackOf = new AsyncLocalStorage<{ runner?: SerialisedSqliteQueryRunner }>();
/**
 * Off in production: on Node 20 an active AsyncLocalStorage hooks every promise in the process (measured:
 * 2M awaits 241 -> 942 ms). The test setup turns it on, so every int-spec checks every transaction path.
 */
let guarding = false;

export function guardSelfDeadlocks(on = true): void {
  guarding = on;
}

export class SelfDeadlockError extends Error {
  constructor(query: string) {
    super(`a transaction callback issued "${query.slice(0, 80)}" outside its EntityManager; it would wait for its own transaction: use the callback's em`);
  }
}

/**
 * TypeORM's sqlite driver hands every caller the same query runner, so concurrent transactions share its
 * depth counter and interleave BEGIN/SAVEPOINT/COMMIT on the connection. Each caller gets its own runner
 * here; a transaction's runner owns the lock (re-entrant for its own savepoints) and others wait.
 */
export class SerialisedSqliteQueryRunner extends SqliteQueryRunner {
  owns = false;

  constructor(driver: SqliteDriver, private readonly lock: ConnectionLock) {
    super(driver);
  }

  override async query(query: string, parameters?: unknown[], structured = false): ReturnType<SqliteQueryRunner['query']> {
    if (this.owns) return super.query(query, parameters, structured);
    this.refuseSelfDeadlock(query);
    await this.lock.acquire(false);
    try {
      return await super.query(query, parameters, structured);
    } finally {
      this.lock.release(false);
    }
  }

  override async startTransaction(isolationLevel?: Parameters<SqliteQueryRunner['startTransaction']>[0]): Promise<void> {
    if (this.transactionDepth > 0) return super.startTransaction(isolationLevel);
    this.refuseSelfDeadlock('BEGIN TRANSACTION');
    const store = callbackOf.getStore();
    if (store && !store.runner) store.runner = this;
    await this.lock.acquire(true);
    this.owns = true;
    try {
      await super.startTransaction(isolationLevel);
    } catch (err) {
      this.isTransactionActive = false;
      this.transactionDepth = 0;
      this.unlock();
      throw err;
    }
  }

  /** A runner released with its transaction still open would keep the lock (and the connection) forever. */
  override async release(): Promise<void> {
    if (this.owns) {
      await super.query('ROLLBACK').catch(() => undefined);
      this.isTransactionActive = false;
      this.transactionDepth = 0;
      this.unlock();
    }
    return super.release();
  }

  override async commitTransaction(): Promise<void> {
    try {
      await super.commitTransaction();
    } finally {
      // A failed COMMIT leaves SQLite's transaction open only if it was SQLITE_BUSY; the caller rolls back then.
      if (!this.isTransactionActive) this.unlock();
    }
  }

  override async rollbackTransaction(): Promise<void> {
    const outermost = this.transactionDepth <= 1;
    try {
      await super.rollbackTransaction();
    } finally {
      // Even a failed outer ROLLBACK ends it (SQLite may have rolled back by itself): never keep the lock.
      if (outermost) {
        this.isTransactionActive = false;
        this.transactionDepth = 0;
        this.unlock();
      }
    }
  }

  private refuseSelfDeadlock(query: string): void {
    const outer = callbackOf.getStore()?.runner;
    if (outer && outer !== this && outer.owns) throw new SelfDeadlockError(query);
  }

  private unlock(): void {
    if (!this.owns) return;
    this.owns = false;
    this.lock.release(true);
  }
}

/** Installs one runner per caller over the shared connection; call before the data source is initialised. */
export function serialiseSqlite(dataSource: DataSource): ConnectionLock {
  const driver = dataSource.driver as SqliteDriver;
  const lock = new ConnectionLock();
  driver.createQueryRunner = () => new SerialisedSqliteQueryRunner(driver, lock);
  // dataSource.transaction and every repository's manager.transaction end here: mark the callback's context.
  const manager = dataSource.manager;
  const transaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  manager.transaction = ((...args: unknown[]) => {
    if (!guarding) return transaction(...args);
    const outer = callbackOf.getStore()?.runner;
    if (outer?.owns) return Promise.reject(new SelfDeadlockError('BEGIN TRANSACTION'));
    return callbackOf.run({}, () => transaction(...args));
  }) as typeof manager.transaction;
  return lock;
}
