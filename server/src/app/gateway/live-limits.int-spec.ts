import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { LiveGateway, MAX_LIVE_SOCKETS_PER_USER } from './live.gateway';

describe(`${LiveGateway.name}: what one signed-in browser can ask of the live socket (real server, real ws)`, () => {
  let server: TestServer;
  let admin: ApiClient;
  const sockets: TestClient[] = [];
  const live = async () => {
    const c = await TestClient.connect(`${server.url.replace('http', 'ws')}/live`, { cookie: admin.cookieHeader, origin: server.url });
    sockets.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startTestServer();
    admin = new ApiClient(server.url);
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' })).status).toBe(200);
  });
  afterEach(() => sockets.splice(0).forEach((c) => c.close()));
  afterAll(() => server.stop());

  it(`closes a user's live socket number ${MAX_LIVE_SOCKETS_PER_USER + 1} (4429) and takes one again after another closed`, async () => {
    const open: TestClient[] = [];
    for (let i = 0; i < MAX_LIVE_SOCKETS_PER_USER; i++) {
      const c = await live();
      await c.next((m) => m.type === 'snapshot');
      open.push(c);
    }
    const extra = await live();
    expect(await extra.waitClosed()).toEqual({ code: 4429, reason: `at most ${MAX_LIVE_SOCKETS_PER_USER} live connections per user` });
    open[0].close();
    await open[0].waitClosed();
    const again = await live();
    await again.next((m) => m.type === 'snapshot');
    expect(again.closed).toBeNull();
  });

  it('answers a flood of resyncs with one snapshot, and closes a socket after ten bad frames', async () => {
    const c = await live();
    await c.next((m) => m.type === 'snapshot');
    for (let i = 0; i < 200; i++) c.send({ type: 'resync' });
    await c.next((m) => m.type === 'snapshot' && m !== c.received[0]);
    await new Promise((r) => setTimeout(r, 1_500)); // a second snapshot would be due by now
    expect(c.received.filter((m) => m.type === 'snapshot')).toHaveLength(2);

    for (let i = 0; i < 11; i++) c.send('{"type":"nonsense"}');
    expect((await c.waitClosed()).code).toBe(4400);
    expect(c.received.filter((m) => m.type === 'error')).toHaveLength(10);
  });
});
