import { encodeResults, PROTOCOL_VERSION } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { ApiClient, type ApiResponse } from '../../testing/api-client';
import { ManualClock } from '../../testing/manual-clock';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { AccessGuard } from '../auth/access.guard';
import { TOKEN_SCOPES } from '../auth/token-scopes';

const DAY = 86_400_000;

/** Scripts with API tokens on the routes their scopes cover: real server on port 0, real SQLite file, time moved by hand. */
describe(`${AccessGuard.name}: API tokens with scopes`, () => {
  let clock: ManualClock;
  let server: TestServer;
  let admin: ApiClient;

  /** A script: no cookie jar in use, no CSRF header, only the bearer token. */
  const script = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> =>
    new ApiClient(server.url).send(method, path, body, { authorization: `Bearer ${token}`, ...headers });
  const createToken = async (body: Record<string, unknown>, by = admin): Promise<{ id: number; token: string; expiresAt: number; createdAt: number }> => {
    const res = await by.post('/api/tokens', body);
    expect([res.status, res.body?.message]).toEqual([201, undefined]);
    return res.body;
  };
  const tokenOf = async (scopes: string[], name = scopes.join('+')) => (await createToken({ name, scopes })).token;
  const listed = async (id: number) => ((await admin.get('/api/tokens')).body as { id: number }[]).find((t) => t.id === id) as Record<string, unknown>;
  const audit = async () => (await admin.get('/api/audit?limit=20')).body as { action: string; actor: string; actorId: number | null; subject: string }[];

  beforeAll(async () => {
    clock = new ManualClock();
    // Sessions outlive the days the clock is moved on (their cookie expiry is wall time).
    server = await startTestServer({ MESHPING_SESSION_IDLE_MINUTES: '43200', MESHPING_SESSION_MAX_MINUTES: '43200' }, clock);
    admin = new ApiClient(server.url);
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' })).status).toBe(200);
  });
  afterAll(() => server.stop());

  it('lets a targets:write token add, edit and delete a target with no cookie and no CSRF header, audited as the token', async () => {
    const token = await tokenOf(['targets:write'], 'deploy');
    const created = await script(token, 'POST', '/api/targets', { address: '192.0.2.10', name: 'from a script' });
    expect([created.status, created.body]).toEqual([201, expect.objectContaining({ address: '192.0.2.10', name: 'from a script' })]);
    expect(created.headers['set-cookie']).toBeUndefined(); // no session was made for it
    expect((await script(token, 'PATCH', `/api/targets/${created.body.id}`, { group: 'lab' })).status).toBe(200);
    // write includes read
    const list = await script(token, 'GET', '/api/targets');
    expect(list.body.find((t: { id: number }) => t.id === created.body.id)).toMatchObject({ group: 'lab' });
    expect((await script(token, 'DELETE', `/api/targets/${created.body.id}`)).status).toBe(204);

    const entries = (await audit()).filter((e) => e.subject === 'target:192.0.2.10');
    expect(entries.map((e) => [e.action, e.actor, e.actorId])).toEqual([
      ['target.deleted', 'token:deploy (by admin)', null],
      ['target.updated', 'token:deploy (by admin)', null],
      ['target.created', 'token:deploy (by admin)', null],
    ]);
    // ... and the creation of the token by its admin, with its scopes.
    expect((await audit()).find((e) => e.action === 'token.created' && e.subject === 'token:deploy')).toMatchObject({ actor: 'admin' });
  });

  it('lets targets:read read but not write: 403 naming the scope it needs, nothing changed', async () => {
    const token = await tokenOf(['targets:read']);
    expect((await script(token, 'GET', '/api/targets')).status).toBe(200);
    const write = await script(token, 'POST', '/api/targets', { address: '192.0.2.11' });
    expect([write.status, write.body.message]).toEqual([403, 'This needs an API token with scope targets:write; this token has targets:read.']);
    const otherArea = await script(token, 'GET', '/api/agents');
    expect([otherArea.status, otherArea.body.message]).toEqual([403, 'This needs an API token with scope agents:read or agents:write; this token has targets:read.']);
    expect(((await admin.get('/api/targets')).body as { address: string }[]).map((t) => t.address)).not.toContain('192.0.2.11');
  });

  it("lets monitoring:read read the grid and a pair's series, stats and samples, and change nothing", async () => {
    const agent = await TestClient.connect(`${server.url.replace('http', 'ws')}/agent`);
    const localToken = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    agent.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'a1', version: '0.1.0', addresses: [] }, auth: { kind: 'local-token', token: localToken } });
    const { agentId } = await agent.next((m) => m.type === 'welcome');
    const targetId = (await agent.next((m) => m.type === 'targets')).targets[0].id as number;
    const at = clock.now() - 10_000;
    agent.send(encodeResults(0, [{ targetId, at, rtt: 1234 }, { targetId, at: at + 5000, rtt: 1500 }]));
    await agent.next((m) => m.type === 'ack' && m.seq === 0);

    const token = await tokenOf(['monitoring:read']);
    const grid = await script(token, 'GET', '/api/grid');
    expect(grid.status).toBe(200);
    expect(JSON.stringify(grid.body)).toContain('"hostname":"a1"');
    const window = `from=${at - 60_000}&to=${at + 60_000}`;
    const series = await script(token, 'GET', `/api/pairs/${agentId}/${targetId}/series?${window}&points=2`);
    expect(series.status).toBe(200);
    expect((series.body.points as { count: number }[]).reduce((n, p) => n + p.count, 0)).toBe(2);
    expect((await script(token, 'GET', `/api/pairs/${agentId}/${targetId}/stats?${window}`)).body).toMatchObject({ count: 2, replies: 2 });
    expect((await script(token, 'GET', `/api/pairs/${agentId}/${targetId}/samples?since=${at - 60_000}`)).body).toHaveLength(2);
    // Reading the grid opens nothing else.
    expect((await script(token, 'GET', '/api/targets')).status).toBe(403);
    expect((await script(token, 'DELETE', `/api/agents/${agentId}`)).status).toBe(403);
    agent.close();
  });

  it('lets settings:write change settings (admin-only for sessions) while its creator is an admin, audited as the token', async () => {
    const token = await tokenOf(['settings:write'], 'tuner');
    const res = await script(token, 'PATCH', '/api/settings', { retentionHours: 48 });
    expect([res.status, res.body.retentionHours]).toEqual([200, 48]);
    expect((await audit())[0]).toMatchObject({ action: 'settings.updated', actor: 'token:tuner (by admin)' });
    expect((await script(token, 'GET', '/api/settings')).status).toBe(200);
  });

  it('never opens users, tokens, sign-in or the join passphrase to a token, whatever its scopes', async () => {
    const all = await tokenOf([...TOKEN_SCOPES], 'everything');
    const sessionOnly: [string, string, unknown?][] = [
      ['GET', '/api/users'],
      ['POST', '/api/users', { username: 'mallory', password: 'mallory password 1', role: 'admin' }],
      ['PATCH', '/api/users/1', { role: 'viewer' }],
      ['GET', '/api/tokens'],
      ['POST', '/api/tokens', { name: 'child', scopes: ['targets:write'] }],
      ['DELETE', '/api/tokens/1'],
      ['GET', '/api/auth/session'],
      ['PUT', '/api/auth/password', { currentPassword: 'x', newPassword: 'another password 1' }],
      ['POST', '/api/auth/logout'],
      ['GET', '/api/enrollment'],
      ['POST', '/api/enrollment/rotate'],
    ];
    for (const [method, path, body] of sessionOnly) {
      const res = await script(all, method, path, body);
      expect([method, path, res.status, res.body.message]).toEqual([method, path, 403, 'API tokens cannot call this route: it takes a signed-in session.']);
    }
    expect(((await admin.get('/api/users')).body as { username: string }[]).map((u) => u.username)).toEqual(['admin']);
    // The everything-token does reach the rest (agents, audit) ...
    expect((await script(all, 'GET', '/api/agents')).status).toBe(200);
    expect((await script(all, 'GET', '/api/audit')).status).toBe(200);
  });

  it('takes the Authorization header over a session cookie: a bad token is a 401, never a fallback to the session', async () => {
    const bad = await admin.send('GET', '/api/targets', undefined, { authorization: 'Bearer mpt_' + 'x'.repeat(43) });
    expect([bad.status, bad.body.message]).toEqual([401, 'Unknown API token.']);
    expect((await admin.send('GET', '/api/targets', undefined, { authorization: 'Basic YWRtaW46eA==' })).status).toBe(401);
    // A good read token with the admin's cookie still cannot reach what only the session could.
    const read = await tokenOf(['targets:read']);
    expect((await admin.send('GET', '/api/users', undefined, { authorization: `Bearer ${read}` })).status).toBe(403);
    expect((await admin.send('POST', '/api/targets', { address: '192.0.2.12' }, { authorization: `Bearer ${read}` })).status).toBe(403);
    // Without the header the session works as before.
    expect((await admin.get('/api/users')).status).toBe(200);
  });

  it('keeps the Origin rule for tokens: a cross-origin write is refused', async () => {
    const token = await tokenOf(['targets:write']);
    const res = await script(token, 'POST', '/api/targets', { address: '192.0.2.13' }, { origin: 'https://evil.example' });
    expect([res.status, res.body.message]).toEqual([403, 'Cross-origin request refused.']);
  });

  it('refuses an expired token with a 401 that says so (default 90 days, or as asked)', async () => {
    const shortLived = await createToken({ name: 'one day', scopes: ['targets:read'], expiresInDays: 1 });
    expect(shortLived.expiresAt - shortLived.createdAt).toBe(DAY);
    const standard = await createToken({ name: 'standard', scopes: ['targets:read'] });
    expect(standard.expiresAt - standard.createdAt).toBe(90 * DAY);
    expect((await script(shortLived.token, 'GET', '/api/targets')).status).toBe(200);
    clock.advance(DAY);
    const res = await script(shortLived.token, 'GET', '/api/targets');
    expect([res.status, res.body.message]).toEqual([401, `This API token expired at ${new Date(shortLived.expiresAt).toISOString()}.`]);
    expect(await listed(shortLived.id)).toMatchObject({ state: 'expired' });
    expect((await script(standard.token, 'GET', '/api/targets')).status).toBe(200);
  });

  it('refuses a revoked token with a 401, and audits the revocation', async () => {
    const t = await createToken({ name: 'short job', scopes: ['targets:read'] });
    expect((await script(t.token, 'GET', '/api/targets')).status).toBe(200);
    expect((await admin.delete(`/api/tokens/${t.id}`)).status).toBe(204);
    const res = await script(t.token, 'GET', '/api/targets');
    expect([res.status, res.body.message]).toEqual([401, 'This API token was revoked.']);
    expect(await listed(t.id)).toMatchObject({ state: 'revoked', revokedAt: expect.any(Number) });
    expect(clock.now() - ((await listed(t.id))['revokedAt'] as number)).toBeLessThan(5_000);
    expect((await audit())[0]).toMatchObject({ action: 'token.revoked', actor: 'admin', subject: 'token:short job' });
  });

  it("follows its creator's account: a demoted creator's token loses what the new role cannot do, a disabled or deleted one's stops", async () => {
    expect((await admin.post('/api/users', { username: 'ada', password: 'ada password 12', role: 'admin' })).status).toBe(201);
    const ada = new ApiClient(server.url);
    expect((await ada.login('ada', 'ada password 12')).status).toBe(200);
    const t = await createToken({ name: 'ada script', scopes: ['targets:write', 'settings:write'] }, ada);
    const adaId = ((await admin.get('/api/users')).body as { id: number; username: string }[]).find((u) => u.username === 'ada')?.id;
    const setRole = async (body: Record<string, unknown>) => expect((await admin.patch(`/api/users/${adaId}`, body)).status).toBe(200);
    const addTarget = (n: number) => script(t.token, 'POST', '/api/targets', { address: `192.0.2.${n}` });
    expect((await script(t.token, 'PATCH', '/api/settings', { retentionHours: 72 })).status).toBe(200);

    await setRole({ role: 'operator' });
    const settings = await script(t.token, 'PATCH', '/api/settings', { retentionHours: 96 });
    expect([settings.status, settings.body.message]).toEqual([403, "This token's creator (ada) no longer has the admin role this route needs."]);
    expect((await addTarget(20)).status).toBe(201); // operators add targets

    await setRole({ role: 'viewer' });
    expect((await addTarget(21)).status).toBe(403);
    expect((await script(t.token, 'GET', '/api/targets')).status).toBe(200); // viewers read

    await setRole({ role: 'operator', disabled: true });
    const disabled = await addTarget(22);
    expect([disabled.status, disabled.body.message]).toEqual([401, "This API token's creator account is disabled or deleted, so the token no longer works."]);
    expect(await listed(t.id)).toMatchObject({ state: 'creator-inactive', createdBy: 'ada' });

    await setRole({ disabled: false });
    expect((await addTarget(23)).status).toBe(201);

    expect((await admin.delete(`/api/users/${adaId}`)).status).toBe(204);
    expect((await addTarget(24)).status).toBe(401);
    expect(await listed(t.id)).toMatchObject({ state: 'creator-inactive', createdBy: null });
  });

  it('lists scopes, expiry, last use and creator, never the token; last use is written at most once a minute', async () => {
    const t = await createToken({ name: 'poller', scopes: ['agents:read', 'targets:read'], expiresInDays: 30 });
    expect(await listed(t.id)).toEqual({
      id: t.id,
      name: 'poller',
      scopes: ['agents:read', 'targets:read'],
      createdBy: 'admin',
      createdAt: t.createdAt,
      expiresAt: t.createdAt + 30 * DAY,
      lastUsedAt: null,
      revokedAt: null,
      state: 'active',
    });
    const lastUse = async () => (await listed(t.id))['lastUsedAt'] as number;
    const before = clock.now();
    for (let i = 0; i < 3; i++) {
      expect((await script(t.token, 'GET', '/api/agents')).status).toBe(200);
      clock.advance(20_000);
    }
    // Used at 0 s, 20 s and 40 s: written once, at the first use.
    const first = await lastUse();
    expect(first - before).toBeGreaterThanOrEqual(0);
    expect(first - before).toBeLessThan(5_000);
    expect((await script(t.token, 'GET', '/api/agents')).status).toBe(200);
    expect(await lastUse()).toBeGreaterThanOrEqual(first + 60_000);
  });

  it('refuses bad input on create with a 400 that names the field, and stores nothing', async () => {
    const before = ((await admin.get('/api/tokens')).body as unknown[]).length;
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x' }, 'scopes must contain at least 1 elements'],
      [{ name: 'x', scopes: [] }, 'scopes must contain at least 1 elements'],
      [{ name: 'x', scopes: 'targets:read' }, 'scopes must be an array'],
      [{ name: 'x', scopes: ['targets:delete'] }, `each of scopes must be one of: ${TOKEN_SCOPES.join(', ')}`],
      [{ name: 'x', scopes: ['targets:read', 'targets:read'] }, 'scopes must not name a scope twice'],
      [{ name: 'x', scopes: [42] }, `each of scopes must be one of: ${TOKEN_SCOPES.join(', ')}`],
      [{ name: 'x', scope: 'targets:read', scopes: ['targets:read'] }, 'property scope should not exist'],
      [{ name: 'x', scopes: ['targets:read'], expiresInDays: 0 }, 'expiresInDays must not be less than 1'],
      [{ name: 'x', scopes: ['targets:read'], expiresInDays: 366 }, 'expiresInDays must not be greater than 365'],
      [{ name: 'x', scopes: ['targets:read'], expiresInDays: 1.5 }, 'expiresInDays must be an integer number'],
      [{ name: 'x', scopes: ['targets:read'], expiresInDays: 'x' }, 'expiresInDays must be an integer number'],
      [{ name: 'x', scopes: ['targets:read'], expiresInDays: null }, 'expiresInDays must not be null'],
    ];
    for (const [body, message] of cases) {
      const res = await admin.post('/api/tokens', body);
      expect([JSON.stringify(body), res.status, res.body.message]).toEqual([JSON.stringify(body), 400, expect.arrayContaining([message])]);
    }
    expect(((await admin.get('/api/tokens')).body as unknown[]).length).toBe(before);
  });
});
