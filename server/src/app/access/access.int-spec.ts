import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { AccessGuard } from './access.guard';

const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);
/** Routes open without a session: logging in, first-run setup, password reset, health. */
const PUBLIC = ['POST /api/auth/login', 'GET /api/auth/setup', 'POST /api/auth/setup', 'POST /api/auth/reset', 'GET /api/health', 'GET /api/health/live', 'GET /api/health/ready'];

describe(`${AccessGuard.name}: every route in the OpenAPI document (real server, real SQLite)`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let viewer: ApiClient;
  let operations: { method: string; path: string; access: string; tokenScopes?: string[]; security?: Record<string, string[]>[] }[];

  beforeAll(async () => {
    server = await startTestServer();
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    expect((await admin.post('/api/users', { username: 'vera', password: 'viewer password 1', role: 'viewer' })).status).toBe(201);
    viewer = new ApiClient(server.url);
    expect((await viewer.login('vera', 'viewer password 1')).status).toBe(200);
    const doc = (await new ApiClient(server.url).get('/api/openapi.json')).body;
    type Op = { 'x-meshping-access'?: string; 'x-meshping-token-scopes'?: string[]; security?: Record<string, string[]>[] };
    operations = Object.entries(doc.paths as Record<string, Record<string, Op>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method,
        path: path.replace(/\{[^}]+\}/g, '1'),
        access: op['x-meshping-access'] ?? '',
        tokenScopes: op['x-meshping-token-scopes'],
        security: op.security,
      })),
    );
  });

  afterAll(() => server.stop());

  it('documents who may call each operation, and only the expected ones are public', () => {
    expect(operations.length).toBeGreaterThan(10);
    for (const op of operations) expect([op.method, op.path, op.access]).toEqual([op.method, op.path, expect.stringMatching(/^(public|self|viewer|operator|admin|token:[a-z:]+)$/)]);
    const open = operations.filter((o) => o.access === 'public').map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(open.sort()).toEqual([...PUBLIC].sort());
  });

  it('documents which API token scopes may call each operation: users, tokens, sign-in and the join passphrase none', () => {
    const byOp = Object.fromEntries(operations.filter((o) => o.tokenScopes).map((o) => [`${o.method.toUpperCase()} ${o.path}`, o.tokenScopes?.join(' ')]));
    expect(byOp).toEqual({
      'GET /api/agents': 'agents:read agents:write',
      'PATCH /api/agents/1': 'agents:write',
      'GET /api/alert-rules': 'alerts:read alerts:write',
      'POST /api/alert-rules': 'alerts:write',
      'PATCH /api/alert-rules/1': 'alerts:write',
      'DELETE /api/alert-rules/1': 'alerts:write',
      'GET /api/incidents': 'alerts:read alerts:write',
      'GET /api/incidents/1': 'alerts:read alerts:write',
      'GET /api/notification-channels': 'alerts:read alerts:write',
      'POST /api/notification-channels': 'alerts:write',
      'PATCH /api/notification-channels/1': 'alerts:write',
      'DELETE /api/notification-channels/1': 'alerts:write',
      'POST /api/notification-channels/1/test': 'alerts:write',
      'GET /api/notification-deliveries': 'alerts:read alerts:write',
      'GET /api/maintenance-windows': 'alerts:read alerts:write',
      'POST /api/maintenance-windows': 'alerts:write',
      'DELETE /api/maintenance-windows/1': 'alerts:write',
      'POST /api/agents/1/approve': 'agents:write',
      'POST /api/agents/1/reject': 'agents:write',
      'POST /api/agents/1/wake': 'agents:write',
      'DELETE /api/agents/1': 'agents:write',
      'GET /api/targets': 'targets:read targets:write',
      'POST /api/targets': 'targets:write',
      'PATCH /api/targets/1': 'targets:write',
      'DELETE /api/targets/1': 'targets:write',
      'PUT /api/targets/self': 'targets:register',
      'GET /api/grid': 'monitoring:read',
      'GET /api/pairs/1/1/export': 'monitoring:read',
      'GET /api/pairs/1/1/samples': 'monitoring:read',
      'GET /api/pairs/1/1/series': 'monitoring:read',
      'GET /api/pairs/1/1/stats': 'monitoring:read',
      'GET /api/pairs/1/1/state-changes': 'monitoring:read',
      'GET /api/state-changes': 'monitoring:read',
      'GET /api/settings': 'settings:read settings:write',
      'PATCH /api/settings': 'settings:write',
      'GET /api/audit': 'audit:read',
      'GET /api/audit/export': 'audit:read',
      'GET /api/metrics': 'metrics:read',
    });
    // Security: a session (cookie + CSRF) or a bearer token where both work; the token alone on script routes.
    for (const op of operations.filter((o) => o.tokenScopes)) {
      const expected = op.access.startsWith('token:') ? [{ bearer: [] }] : [{ cookie: [], csrf: [] }, { bearer: [] }];
      expect([op.method, op.path, op.security]).toEqual([op.method, op.path, expected]);
    }
  });

  it('answers 401 on every non-public route without a session (no data leaks: CVE-2026-32230)', async () => {
    const anonymous = new ApiClient(server.url);
    for (const op of operations.filter((o) => o.access !== 'public')) {
      const res = await anonymous.send(op.method.toUpperCase(), op.path, UNSAFE.has(op.method) ? {} : undefined);
      expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 401]);
      expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|"cells"|"address"|"hostname"/);
    }
  });

  it('answers 403 to a viewer on every state-changing route that is not their own account', async () => {
    const writes = operations.filter((o) => UNSAFE.has(o.method) && !['public', 'self', 'viewer'].includes(o.access) && !o.access.startsWith('token:'));
    expect(writes.length).toBeGreaterThan(3);
    for (const op of writes) {
      const res = await viewer.send(op.method.toUpperCase(), op.path, {});
      expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 403]);
    }
    // Routes for scripts take an API token, never a session.
    for (const op of operations.filter((o) => o.access.startsWith('token:'))) {
      expect([op.path, (await viewer.send(op.method.toUpperCase(), op.path, {})).status]).toEqual([op.path, 401]);
      expect([op.path, (await admin.send(op.method.toUpperCase(), op.path, {})).status]).toEqual([op.path, 401]);
    }
    // ... and the viewer can read.
    expect((await viewer.get('/api/grid')).status).toBe(200);
  });

  it('refuses a signed-in write without the CSRF token, and a cross-origin one', async () => {
    const noToken = await admin.send('POST', '/api/users', { username: 'x1', password: 'some password 1', role: 'viewer' }, { 'x-xsrf-token': '' });
    expect(noToken.status).toBe(403);
    expect(noToken.body.message).toContain('X-XSRF-TOKEN');
    const crossSite = await admin.send('POST', '/api/users', { username: 'x2', password: 'some password 1', role: 'viewer' }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    const users = (await admin.get('/api/users')).body as { username: string }[];
    expect(users.map((u) => u.username)).toEqual(['admin', 'vera']);
  });

  it('opens the live socket only with a session and from this origin', async () => {
    const live = server.url.replace('http', 'ws') + '/live';
    await expect(TestClient.connect(live, { origin: server.url })).rejects.toThrow('upgrade refused: 401');
    await expect(TestClient.connect(live, { origin: 'https://evil.example', cookie: viewer.cookieHeader })).rejects.toThrow('upgrade refused: 403');
    const ok = await TestClient.connect(live, { origin: server.url, cookie: viewer.cookieHeader });
    expect((await ok.next((m) => m.type === 'snapshot')).targets.length).toBe(2);
    ok.close();
  });

  it('refuses bad input with a 400 naming the field, and stores nothing', async () => {
    const cases: [unknown, string][] = [
      [{ username: 'ok-name', password: 'long enough 1', role: 'root' }, 'role'],
      [{ username: 'a'.repeat(65), password: 'long enough 1', role: 'viewer' }, 'username'],
      [{ username: 'bob', password: 12345678901, role: 'viewer' }, 'password'],
      [{ username: 'bob', password: 'short', role: 'viewer' }, 'password'],
      [{ username: 'bob', password: 'é'.repeat(40), role: 'viewer' }, 'password must be at most 72 bytes'],
      [{ username: 'bob', password: 'long enough 1', role: 'viewer', isAdmin: true }, 'isAdmin'],
      ['{"username": ', 'JSON'],
    ];
    for (const [body, field] of cases) {
      const res = await admin.post('/api/users', body);
      expect([field, res.status]).toEqual([field, 400]);
      expect(JSON.stringify(res.body.message)).toContain(field);
    }
    const huge = await admin.post('/api/users', { username: 'bob', password: 'x'.repeat(200_000), role: 'viewer' });
    expect(huge.status).toBe(413);
    expect(((await admin.get('/api/users')).body as unknown[]).length).toBe(2);
    const login = await new ApiClient(server.url).post('/api/auth/login', { username: 'admin' });
    expect(login.status).toBe(400);
    expect(JSON.stringify(login.body.message)).toContain('password');
  });

  it('audits who called and from where (@Caller, @SourceAddress): a user, a script as its token and creator, an anonymous caller', async () => {
    const person = new ApiClient(server.url, '127.0.0.7');
    expect((await person.login('admin', 'admin password 1')).status).toBe(200);
    const target = await person.post('/api/targets', { address: '192.0.2.77' });
    expect(target.status).toBe(201);
    const created = await person.post('/api/tokens', { name: 'audit-probe', scopes: ['targets:write'] });
    expect(created.status).toBe(201);
    const script = new ApiClient(server.url, '127.0.0.8');
    expect((await script.send('DELETE', `/api/targets/${target.body.id}`, undefined, { authorization: `Bearer ${created.body.token}` })).status).toBe(204);
    expect((await new ApiClient(server.url, '127.0.0.9').login('admin', 'not the password')).status).toBe(401);

    const entries = ((await admin.get('/api/audit?limit=5')).body as { action: string; actor: string | null; actorId: number | null; source: string | null }[])
      .map(({ action, actor, actorId, source }) => ({ action, actor, actorId, source: source?.replace(/^::ffff:/, '') }))
      .reverse();
    expect(entries).toEqual([
      { action: 'login', actor: 'admin', actorId: 1, source: '127.0.0.7' },
      { action: 'target.created', actor: 'admin', actorId: 1, source: '127.0.0.7' },
      { action: 'token.created', actor: 'admin', actorId: 1, source: '127.0.0.7' },
      { action: 'target.deleted', actor: 'token:audit-probe (by admin)', actorId: null, source: '127.0.0.8' },
      { action: 'login.failed', actor: null, actorId: null, source: '127.0.0.9' },
    ]);
  });
});
