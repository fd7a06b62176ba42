import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from '../../testing/api-client';
import { ManualClock } from '../../testing/manual-clock';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { AuthService } from './auth.service';

const ADMIN = { username: 'admin', password: 'admin password 1' };

async function withAdmin(server: TestServer): Promise<ApiClient> {
  const admin = new ApiClient(server.url);
  const res = await admin.post('/api/auth/setup', { setupCode: server.setupCode(), ...ADMIN });
  expect(res.status).toBe(200);
  return admin;
}

describe(`${AuthService.name} (real server, real SQLite, real sessions)`, () => {
  let server: TestServer;
  let clock: ManualClock;
  let admin: ApiClient;

  beforeEach(async () => {
    clock = new ManualClock();
    server = await startTestServer({}, clock);
    admin = await withAdmin(server);
  });
  afterEach(() => server.stop());

  it('takes the setup code once and audits it', async () => {
    const again = await new ApiClient(server.url).post('/api/auth/setup', { setupCode: server.setupCode(), username: 'eve', password: 'eve password 12' });
    expect(again.status).toBe(403);
    expect(again.body.message).toBe('Setup is already done: log in instead.');
    expect((await new ApiClient(server.url).get('/api/auth/setup')).body).toEqual({ required: false });
    const log = (await admin.get('/api/audit')).body as { action: string; actor: string }[];
    expect(log.map((e) => e.action).reverse()).toEqual(['setup.first-admin', 'login']);
  });

  it('ends every other session when a password changes, keeps the changing one (CVE-2023-44400)', async () => {
    const laptop = new ApiClient(server.url);
    await laptop.login(ADMIN.username, ADMIN.password);
    const live = await TestClient.connect(server.url.replace('http', 'ws') + '/live', { cookie: laptop.cookieHeader, origin: server.url });
    await live.next((m) => m.type === 'snapshot');

    const changed = await admin.put('/api/auth/password', { currentPassword: ADMIN.password, newPassword: 'a brand new password' });
    expect(changed.status).toBe(200);
    expect((await laptop.get('/api/grid')).status).toBe(401);
    expect((await live.waitClosed()).code).toBe(4401);
    expect((await admin.get('/api/grid')).status).toBe(200);
    expect((await new ApiClient(server.url).login(ADMIN.username, ADMIN.password)).status).toBe(401);
    expect((await new ApiClient(server.url).login(ADMIN.username, 'a brand new password')).status).toBe(200);
  });

  it('closes the live socket of a session that logs out', async () => {
    const tab = new ApiClient(server.url);
    await tab.login(ADMIN.username, ADMIN.password);
    const live = await TestClient.connect(server.url.replace('http', 'ws') + '/live', { cookie: tab.cookieHeader, origin: server.url });
    await live.next((m) => m.type === 'snapshot');
    expect((await tab.post('/api/auth/logout')).status).toBe(204);
    expect((await live.waitClosed()).code).toBe(4401);
    // The other session of the same user keeps working.
    expect((await admin.get('/api/grid')).status).toBe(200);
  });

  it('refuses a password change with a wrong current password', async () => {
    const res = await admin.put('/api/auth/password', { currentPassword: 'not it at all', newPassword: 'a brand new password' });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('currentPassword is wrong');
  });

  it('resets a password with a one-time link: once, within 15 minutes, ending the old sessions', async () => {
    await admin.post('/api/users', { username: 'vera', password: 'viewer password 1', role: 'viewer' });
    const vera = new ApiClient(server.url);
    await vera.login('vera', 'viewer password 1');
    const users = (await admin.get('/api/users')).body as { id: number; username: string }[];
    const id = users.find((u) => u.username === 'vera')?.id;

    const issued = await admin.post(`/api/users/${id}/reset-link`);
    expect(issued.status).toBe(201);
    expect(issued.body.mailed).toBe(false);
    const token = new URL(issued.body.link).searchParams.get('token') as string;
    expect(token.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url

    const anon = new ApiClient(server.url);
    expect((await anon.post('/api/auth/reset', { token, newPassword: 'vera new password' })).status).toBe(204);
    expect((await vera.get('/api/grid')).status).toBe(401); // her old session is gone
    const reuse = await anon.post('/api/auth/reset', { token, newPassword: 'another password 1' });
    expect(reuse.status).toBe(400);
    expect(reuse.body.message).toMatch(/invalid, already used or expired/);
    expect((await anon.login('vera', 'vera new password')).status).toBe(200);

    const late = await admin.post(`/api/users/${id}/reset-link`);
    const lateToken = new URL(late.body.link).searchParams.get('token') as string;
    clock.advance(15 * 60_000 + 1);
    expect((await anon.post('/api/auth/reset', { token: lateToken, newPassword: 'too late password' })).status).toBe(400);
    expect((await new ApiClient(server.url).login('vera', 'vera new password')).status).toBe(200);
    const actions = ((await admin.get('/api/audit')).body as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.reset-link-issued', 'user.password-reset']));
  });

  it('refuses the 11th bad password within 15 minutes even with the right one, and recovers after', async () => {
    const attacker = new ApiClient(server.url);
    for (let i = 0; i < 10; i++) expect((await attacker.login(ADMIN.username, `guess ${i}`)).status).toBe(401);
    const blocked = await attacker.login(ADMIN.username, ADMIN.password);
    expect(blocked.status).toBe(429);
    expect(blocked.body.message).toMatch(/Too many failed logins\. Try again in 15 minutes\./);
    clock.advance(15 * 60_000 + 1);
    expect((await attacker.login(ADMIN.username, ADMIN.password)).status).toBe(200);
    const actions = ((await admin.get('/api/audit')).body as { action: string }[]).map((e) => e.action);
    expect(actions.filter((a) => a === 'login.failed')).toHaveLength(10);
    expect(actions).toContain('login.throttled');
  });

  it('counts parallel guesses as they start: a burst gets no more than 10 tries', async () => {
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => new ApiClient(server.url, '127.0.0.4').login(ADMIN.username, `guess ${i}`)));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
    // Each 429 says when to come back: in a moment (busy), or when the failures age out.
    expect(burst.filter((r) => r.status === 429).every((r) => Number(r.headers['retry-after']) >= 1)).toBe(true);
  });

  it('does not let an attacker elsewhere lock the admin out of a browser they logged in from before', async () => {
    // `admin` logged in from 127.0.0.1 (setup) and holds a device cookie. The attacker hammers from 127.0.0.2.
    const attacker = new ApiClient(server.url, '127.0.0.2');
    for (let i = 0; i < 12; i++) await attacker.login(ADMIN.username, `guess ${i}`);
    expect((await attacker.login(ADMIN.username, ADMIN.password)).status).toBe(429);
    // A new browser without the device cookie is held back too (the account is under attack) ...
    expect((await new ApiClient(server.url).login(ADMIN.username, ADMIN.password)).status).toBe(429);
    // ... but the admin's own browser is not, even when the burst comes from the admin's own address
    // (a shared NAT or proxy).
    const sameAddress = new ApiClient(server.url, '127.0.0.1');
    for (let i = 0; i < 12; i++) await sameAddress.login('someone-else', `guess ${i}`);
    expect((await sameAddress.login(ADMIN.username, ADMIN.password)).status).toBe(429);
    expect((await admin.login(ADMIN.username, ADMIN.password)).status).toBe(200);
    // Unknown usernames get the same answers as known ones (no enumeration).
    const probe = await new ApiClient(server.url, '127.0.0.3').login('nobody-here', 'whatever pass');
    expect(probe.status).toBe(401);
    expect(probe.body.message).toBe('Wrong username or password.');
  });

  it('ends the sessions of a user who is disabled, and keeps one active admin', async () => {
    await admin.post('/api/users', { username: 'otto', password: 'operator pass 1', role: 'operator' });
    const otto = new ApiClient(server.url);
    await otto.login('otto', 'operator pass 1');
    const id = ((await admin.get('/api/users')).body as { id: number; username: string }[]).find((u) => u.username === 'otto')?.id;
    expect((await admin.patch(`/api/users/${id}`, { disabled: true })).status).toBe(200);
    expect((await otto.get('/api/grid')).status).toBe(401);
    expect((await new ApiClient(server.url).login('otto', 'operator pass 1')).status).toBe(401);

    const self = ((await admin.get('/api/users')).body as { id: number; username: string }[]).find((u) => u.username === 'admin')?.id;
    const demote = await admin.patch(`/api/users/${self}`, { role: 'viewer' });
    expect(demote.status).toBe(409);
    expect((await admin.delete(`/api/users/${self}`)).status).toBe(409);
  });
});

describe('TLS by default', () => {
  it('generates a self-signed certificate in the data directory and sets __Host- secure cookies', async () => {
    const server = await startTestServer({ MESHPING_TLS: 'on' });
    try {
      expect(server.url).toMatch(/^https:/);
      const pem = readFileSync(join(server.dataDir, 'tls/server.crt'), 'utf8');
      expect(new X509Certificate(pem).fingerprint256).toBe(server.fingerprint);
      expect(statSync(join(server.dataDir, 'tls/server.key')).mode & 0o777).toBe(0o600);
      const admin = new ApiClient(server.url);
      const wrong = await admin.post('/api/auth/setup', { setupCode: 'not-the-code-at-all', ...ADMIN });
      expect([wrong.status, wrong.body.message]).toEqual([403, 'Wrong setup code.']);
      const res = await admin.post('/api/auth/setup', { setupCode: server.setupCode(), ...ADMIN });
      const cookies = (res.headers['set-cookie'] as string[]).join('\n');
      expect(cookies).toMatch(/__Host-meshping=s%3A[^;]+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Strict/);
      expect(cookies).toMatch(/XSRF-TOKEN=[^;]+; Path=\/; Secure; SameSite=Strict/);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    } finally {
      await server.stop();
    }
  });
});
