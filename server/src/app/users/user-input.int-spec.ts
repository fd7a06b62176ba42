import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { UsersService } from './users.service';

/** Issue #13 defect 2: null for a user's role or disabled flag gave a 500 (class-validator's IsOptional lets null through). */
describe(`${UsersService.name} and the other admin DTOs: null only where it means something`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let userId: number;

  beforeAll(async () => {
    server = await startTestServer();
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    userId = (await admin.post('/api/users', { username: 'vera', password: 'viewer pass 1', role: 'viewer', email: 'vera@example.test' })).body.id;
  });

  afterAll(() => server.stop());

  it('refuses null for role and disabled with a 400 naming the field; the user is unchanged', async () => {
    const before = (await admin.get('/api/users')).body;
    for (const [body, text] of [
      [{ role: null }, 'role must not be null'],
      [{ disabled: null }, 'disabled must not be null'],
      [{ role: 'viewer', disabled: null }, 'disabled must not be null'],
    ] as const) {
      const res = await admin.patch(`/api/users/${userId}`, body);
      expect([body, res.status, JSON.stringify(res.body.message)]).toEqual([body, 400, expect.stringContaining(text)]);
    }
    expect((await admin.get('/api/users')).body).toEqual(before);
    // null is meaningful for the email: it removes it.
    const cleared = await admin.patch(`/api/users/${userId}`, { email: null });
    expect([cleared.status, cleared.body.email]).toEqual([200, null]);
  });

  it('refuses null in the agents and audit inputs too', async () => {
    for (const [path, body, text] of [
      ['/api/agents/1/approve', { ip: null }, 'ip must not be null'],
      ['/api/agents/1/wake', { mac: '00:11:22:aa:bb:cc', broadcast: null }, 'broadcast must not be null'],
    ] as const) {
      const res = await admin.post(path, body);
      expect([path, res.status, JSON.stringify(res.body.message)]).toEqual([path, 400, expect.stringContaining(text)]);
    }
    for (const query of ['limit=0', 'limit=1001', 'before=0', `before=${2 ** 53}`, 'limit=x']) {
      expect([query, (await admin.get(`/api/audit?${query}`)).status]).toEqual([query, 400]);
    }
  });
});
