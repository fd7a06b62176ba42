import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Database, OPEN_READONLY } from 'sqlite3';
import { DATABASE_FILE } from '../../infra/database/database.module';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { ApiTokensService } from './api-tokens.service';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '../../../../deploy/scripts/register-target.sh');

describe(`${ApiTokensService.name}: hosts add themselves as targets with a scoped API token`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ MESHPING_TLS: 'on' });
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    const created = await admin.post('/api/tokens', { name: 'rack-7', scopes: ['targets:register'] });
    expect(created.status).toBe(201);
    token = created.body.token;
    expect(token).toMatch(/^mpt_[A-Za-z0-9_-]{43}$/);
  });
  afterAll(() => server.stop());

  const put = (body: unknown, source = '127.0.0.2', bearer = token) =>
    new ApiClient(server.url, source).send('PUT', '/api/targets/self', body, { authorization: `Bearer ${bearer}` });

  it('adds the calling host by its source address, and refreshes it on the next PUT (same target)', async () => {
    const first = await put({ name: 'host-2' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ address: '127.0.0.2', name: 'host-2' });
    const again = await put({ name: 'host-2 renamed', group: 'rack-7' });
    expect(again.body).toEqual({ id: first.body.id, address: '127.0.0.2', name: 'host-2 renamed', group: 'rack-7', latencyThresholdMs: null, dormantSince: null, dormantAfterSeconds: null });
    const log = (await admin.get('/api/audit')).body as { action: string; actor: string }[];
    expect(log.find((e) => e.action === 'target.created')?.actor).toBe('token:rack-7 (by admin)');
  });

  it('refuses a latency threshold in exponent notation with 400 (it was a 500), changing nothing', async () => {
    const before = (await put({ name: 'host-3' }, '127.0.0.3')).body;
    const res = await put({ latencyThresholdMs: 1e-9 }, '127.0.0.3');
    expect([res.status, res.body.message]).toEqual([400, expect.arrayContaining(['latencyThresholdMs must be a number of milliseconds with at most 3 decimal places'])]);
    expect((await admin.get('/api/targets')).body.find((t: { id: number }) => t.id === before.id)).toEqual(before);
  });

  it('works from the shipped script (deploy/scripts/register-target.sh) with curl', async () => {
    // curl connects from 127.0.0.1: that host's target (seeded) gets the script's name and group.
    const { stdout } = await run('sh', [SCRIPT, '', 'scripted host', 'lab'], {
      env: { ...process.env, MESHPING_URL: server.url, MESHPING_TOKEN: token, MESHPING_INSECURE: '1' },
    });
    expect(JSON.parse(stdout)).toMatchObject({ address: '127.0.0.1', name: 'scripted host', group: 'lab' });
    const targets = (await admin.get('/api/targets')).body as { address: string; name: string }[];
    expect(targets.find((t) => t.address === '127.0.0.1')?.name).toBe('scripted host');
  });

  it('refuses a missing, unknown or revoked token, and the token opens nothing else', async () => {
    expect((await new ApiClient(server.url).send('PUT', '/api/targets/self', {})).status).toBe(401);
    expect((await put({}, '127.0.0.3', 'mpt_' + 'x'.repeat(43))).status).toBe(401);
    const other = await new ApiClient(server.url).send('POST', '/api/targets', { address: '127.0.0.4' }, { authorization: `Bearer ${token}` });
    expect([other.status, other.body.message]).toEqual([403, 'This needs an API token with scope targets:write; this token has targets:register.']);
    const spare = await admin.post('/api/tokens', { name: 'spare', scopes: ['targets:register'] });
    expect((await admin.delete(`/api/tokens/${spare.body.id}`)).status).toBe(204);
    expect((await put({}, '127.0.0.5', spare.body.token)).status).toBe(401);
    const bad = await put({ address: 'not an address!' }, '127.0.0.6');
    expect(bad.status).toBe(400);
    // A token registers its own host only: no third-party addresses.
    const elsewhere = await put({ address: '192.0.2.99' }, '127.0.0.6');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.message).toContain('the address must be the one it connects from (127.0.0.6)');
  });

  it('lets a Prometheus scraper read /api/metrics with a metrics:read token, and nothing else does', async () => {
    const prometheus = await admin.post('/api/tokens', { name: 'prometheus', scopes: ['metrics:read'] });
    expect(prometheus.status).toBe(201);
    const scrape = (headers: Record<string, string>, client = new ApiClient(server.url)) => client.send<string>('GET', '/api/metrics', undefined, headers);
    const ok = await scrape({ authorization: `Bearer ${prometheus.body.token}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toContain('text/plain');
    expect(ok.body).toMatch(/^meshping_samples_ingested_total \d+$/m);
    expect(ok.body).toMatch(/^meshping_event_loop_stall_max_seconds\{window="10s"\} [\d.e+-]+$/m);
    // A token of another scope (403), no token, or an admin's session (401): refused.
    expect((await scrape({ authorization: `Bearer ${token}` })).status).toBe(403);
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({}, admin)).status).toBe(401);
    // ... and the metrics token opens nothing else.
    const other = await new ApiClient(server.url).send('GET', '/api/grid', undefined, { authorization: `Bearer ${prometheus.body.token}` });
    expect(other.status).toBe(403);
  });

  it('stores tokens only as hashes', async () => {
    const rows = await new Promise<{ token_hash: string }[]>((resolve, reject) => {
      const db = new Database(join(server.dataDir, DATABASE_FILE), OPEN_READONLY);
      db.all('SELECT token_hash FROM api_tokens', (err, r: { token_hash: string }[]) => (db.close(), err ? reject(err) : resolve(r)));
    });
    expect(rows.length).toBe(3);
    for (const r of rows) {
      expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.token_hash).not.toContain(token.slice(4));
    }
    const listed = (await admin.get('/api/tokens')).body as Record<string, unknown>[];
    expect(listed.every((t) => !('token' in t))).toBe(true);
  });
});
