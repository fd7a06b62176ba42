import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DATABASE_FILE } from '../../infra/database/database.module';
import { TokenScopes1764806400000 } from '../../infra/database/migrations/1764806400000-token-scopes';
import { MIGRATIONS } from '../../infra/database/migrations';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';

const DAY = 86_400_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe(`${TokenScopes1764806400000.name}: tokens made with one scope and no expiry`, () => {
  let server: TestServer;
  const legacy = 'mpt_' + 'L'.repeat(43);

  afterAll(() => server?.stop());

  it('become tokens with that one scope and an expiry 365 days after the migration ran, and keep working', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshping-server-'));
    // The database as the previous release left it, with two tokens in the old shape.
    const old = new DataSource({ type: 'sqlite', database: join(dataDir, DATABASE_FILE), migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(TokenScopes1764806400000)), migrationsRun: true });
    await old.initialize();
    const insert = 'INSERT INTO api_tokens (name, token_hash, scope, created_by, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)';
    await old.query(insert, ['rack-7', sha256(legacy), 'targets:register', 1, 1_000, 2_000, null]);
    await old.query(insert, ['old scraper', sha256('mpt_' + 'M'.repeat(43)), 'metrics:read', 1, 3_000, null, 4_000]);
    await old.destroy();

    const before = Date.now();
    server = await startTestServer({ MESHPING_DATA_DIR: dataDir });
    const after = Date.now();
    const admin = new ApiClient(server.url);
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' })).status).toBe(200);

    const [kept, revoked] = (await admin.get('/api/tokens')).body as Record<string, unknown>[];
    expect(kept).toMatchObject({ name: 'rack-7', scopes: ['targets:register'], createdBy: 'admin', createdAt: 1_000, lastUsedAt: 2_000, revokedAt: null, state: 'active' });
    expect(kept['expiresAt']).toBeGreaterThanOrEqual(before + 365 * DAY);
    expect(kept['expiresAt']).toBeLessThanOrEqual(after + 365 * DAY);
    expect(revoked).toMatchObject({ name: 'old scraper', scopes: ['metrics:read'], revokedAt: 4_000, state: 'revoked' });

    const put = await new ApiClient(server.url, '127.0.0.2').send('PUT', '/api/targets/self', { name: 'still works' }, { authorization: `Bearer ${legacy}` });
    expect([put.status, put.body.address]).toEqual([200, '127.0.0.2']);
  });
});
