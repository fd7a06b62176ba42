import { decodePassphrase } from '@meshping/protocol';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import { startServer, type StartedServer } from '../../bootstrap';
import { DATABASE_FILE } from '../../infra/database/database.module';
import { loadServerConfig } from '../../infra/config/server-config';
import { ApiClient } from '../../testing/api-client';
import { CapturingLogger } from '../../testing/test-server';
import { EnrollmentService } from './enrollment.service';

const ADMIN = { username: 'admin', password: 'admin password 1' };

function sql<T>(file: string, statement: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new Database(file, (err) => {
      if (err) return reject(err);
      db.all(statement, params, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows as T[]))));
    });
  });
}

function secretOf(passphrase: string): string {
  const decoded = decodePassphrase(passphrase);
  if (!decoded) throw new Error(`not a passphrase: ${passphrase}`);
  return decoded.secret;
}

describe(`${EnrollmentService.name}: the join passphrase secret at rest`, () => {
  let dataDir: string;
  let server: StartedServer | null = null;
  const logger = new CapturingLogger();
  const start = async () => {
    server = await startServer(loadServerConfig({ MESHPING_DATA_DIR: dataDir, MESHPING_PORT: '0', MESHPING_TLS: 'on' }), { logger });
    return server;
  };
  const stop = async () => {
    await server?.app.close();
    server = null;
  };
  const dbFile = () => join(dataDir, DATABASE_FILE);
  const stored = async () => (await sql<{ value: string }>(dbFile(), "SELECT value FROM settings WHERE key = 'enroll.secret'"))[0]?.value;
  /** Every byte SQLite wrote: the file and its write-ahead log. */
  const databaseBytes = () => Buffer.concat([dbFile(), `${dbFile()}-wal`].filter(existsSync).map((f) => readFileSync(f))).toString('latin1');

  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'meshping-enroll-secret-'))));
  afterEach(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps only a sealed secret in the database; the passphrase still works across restarts and rotations', async () => {
    const { url } = await start();
    const admin = new ApiClient(url);
    const setupCode = /setup code to create the first admin: ([\w-]+)/.exec(logger.lines.join('\n'))?.[1];
    expect((await admin.post('/api/auth/setup', { setupCode, ...ADMIN })).status).toBe(200);
    const first = secretOf((await admin.get('/api/enrollment')).body.passphrase);
    const rotated = secretOf((await admin.post('/api/enrollment/rotate')).body.passphrase);
    expect(rotated).not.toBe(first);
    await stop();

    expect(await stored()).toMatch(/^sealed1:/);
    const bytes = databaseBytes();
    expect([bytes.includes(first), bytes.includes(rotated)]).toEqual([false, false]);

    const again = await start();
    const admin2 = new ApiClient(again.url);
    expect((await admin2.login(ADMIN.username, ADMIN.password)).status).toBe(200);
    expect(secretOf((await admin2.get('/api/enrollment')).body.passphrase)).toBe(rotated);
  });

  it('seals a plain secret left by an older version at start, keeping the passphrase', async () => {
    await start();
    await stop();
    const plain = 'K3mN9pQ2rS5tU8vW1xY4zA7bC0dE6fG9hJ2kL5mN8pQ';
    await sql(dbFile(), "INSERT INTO settings (key, value) VALUES ('enroll.secret', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [plain]);

    const { url } = await start();
    expect(await stored()).toMatch(/^sealed1:/);
    expect(logger.lines.some((l) => l.includes('enrollment.secret-sealed'))).toBe(true);
    const admin = new ApiClient(url);
    const setupCode = [...logger.lines.join('\n').matchAll(/setup code to create the first admin: ([\w-]+)/g)].at(-1)?.[1];
    expect((await admin.post('/api/auth/setup', { setupCode, ...ADMIN })).status).toBe(200);
    expect(secretOf((await admin.get('/api/enrollment')).body.passphrase)).toBe(plain);
  });
});
