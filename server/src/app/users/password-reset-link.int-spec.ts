import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { PasswordResetService } from './password-reset.service';

const ADMIN = { username: 'admin', password: 'admin password 1' };

async function adminOf(server: TestServer): Promise<{ admin: ApiClient; userId: number }> {
  const admin = new ApiClient(server.url);
  expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), ...ADMIN })).status).toBe(200);
  const created = await admin.post('/api/users', { username: 'vera', password: 'viewer password 1', role: 'viewer' });
  return { admin, userId: created.body.id };
}

async function linkFor(admin: ApiClient, userId: number, host: string): Promise<string> {
  const res = await admin.send<{ link: string }>('POST', `/api/users/${userId}/reset-link`, undefined, { host });
  expect(res.status).toBe(201);
  return res.body.link;
}

describe(`${PasswordResetService.name}: the host in reset links`, () => {
  let server: TestServer;
  afterEach(() => server.stop());

  it('never takes a forged Host header without MESHPING_PUBLIC_URL: links name this machine', async () => {
    server = await startTestServer();
    const { admin, userId } = await adminOf(server);
    const port = new URL(server.url).port;
    for (const host of ['evil.example', `evil.example:${port}`, `localhost:1`, `localhost:${port}@evil.example`, '']) {
      expect([host, await linkFor(admin, userId, host)]).toEqual([host, expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${port}/reset-password\\?token=[\\w-]{43}$`))]);
    }
    // A Host that names this machine on the port it answered on is kept: the URL the admin browses.
    expect(await linkFor(admin, userId, `localhost:${port}`)).toMatch(new RegExp(`^http://localhost:${port}/reset-password\\?token=`));
    expect(await linkFor(admin, userId, `127.0.0.1:${port}`)).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/reset-password\\?token=`));
    expect(server.logger.lines.filter((l) => l.includes('public-url.untrusted-host'))).toHaveLength(1);
  });

  it('uses MESHPING_PUBLIC_URL whatever the Host', async () => {
    server = await startTestServer({ MESHPING_PUBLIC_URL: 'https://meshping.example.test/', MESHPING_CORS_ORIGINS: 'http://ui.example.test:4200' });
    const { admin, userId } = await adminOf(server);
    expect(await linkFor(admin, userId, 'evil.example')).toMatch(/^https:\/\/meshping\.example\.test\/reset-password\?token=/);
  });

  it('takes a Host that is one of MESHPING_CORS_ORIGINS', async () => {
    server = await startTestServer({ MESHPING_CORS_ORIGINS: 'http://ui.example.test:4200' });
    const { admin, userId } = await adminOf(server);
    expect(await linkFor(admin, userId, 'ui.example.test:4200')).toMatch(/^http:\/\/ui\.example\.test:4200\/reset-password\?token=/);
    expect(await linkFor(admin, userId, 'ui.example.test:4201')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=/);
  });
});
