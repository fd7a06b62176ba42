import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { AuthService } from './auth.service';

const ADMIN = { username: 'admin', password: 'admin password 1' };
const FLOOD_PARALLEL = 30;
const ADMIN_LOGINS = 6;

/** 127.w.x.y (w from 1): a fresh loopback source address for each attempt. */
const address = (i: number) => `127.${1 + (Math.floor(i / 62_500) % 250)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;

describe(`${AuthService.name} under a login flood (real server, real bcrypt, real HTTP)`, () => {
  let server: TestServer;
  afterEach(() => server.stop());

  it('lets a user with a device cookie in every time while many addresses spray wrong logins', async () => {
    server = await startTestServer();
    const admin = new ApiClient(server.url);
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), ...ADMIN })).status).toBe(200);
    expect(admin.cookies.has('meshping-device')).toBe(true);

    // Each attempt from its own address and for its own (unknown) name, so neither the per-network
    // nor the per-account counter stops it: every one asks for a password check.
    let sent = 0;
    let adminDone = false;
    const flood: number[] = [];
    const worker = async () => {
      while (!adminDone) {
        const i = sent++;
        flood.push((await new ApiClient(server.url, address(i)).login(`sprayed-${i}`, `guess ${i}`)).status);
      }
    };
    const workers = Array.from({ length: FLOOD_PARALLEL }, worker);
    // The flood is under way before the admin starts.
    while (flood.length < FLOOD_PARALLEL) await new Promise((r) => setTimeout(r, 10));

    const adminStatuses: number[] = [];
    for (let i = 0; i < ADMIN_LOGINS; i++) {
      adminStatuses.push((await admin.login(ADMIN.username, ADMIN.password)).status);
    }
    adminDone = true;
    await Promise.all(workers);

    expect(adminStatuses).toEqual(Array(ADMIN_LOGINS).fill(200));
    // The flood was real: its lane was full, so most of it was turned away at once.
    expect(flood.filter((s) => s === 429).length).toBeGreaterThan(flood.length / 2);
    expect(flood.every((s) => s === 401 || s === 429)).toBe(true);
    expect((await new ApiClient(server.url).get('/api/health')).status).toBe(200);
  }, 90_000);

  it('cannot lock a device-cookie user out by failing against their account from many addresses', async () => {
    server = await startTestServer();
    const admin = new ApiClient(server.url);
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), ...ADMIN })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await new ApiClient(server.url, address(i)).login(ADMIN.username, `guess ${i}`)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    // The account is under attack: a browser without the device cookie waits out the window ...
    const stranger = await new ApiClient(server.url, '127.2.0.1').login(ADMIN.username, ADMIN.password);
    expect([stranger.status, stranger.body.message]).toEqual([429, 'Too many failed logins. Try again in 15 minutes.']);
    // ... the admin's own browser does not.
    for (let i = 0; i < 3; i++) expect((await admin.login(ADMIN.username, ADMIN.password)).status).toBe(200);
  });

  it('counts an IPv6 /64 as one network: rotating addresses inside it does not help', async () => {
    // Behind a trusted proxy the client address comes from X-Forwarded-For: any IPv6 address, from loopback.
    server = await startTestServer({ MESHPING_TRUST_PROXY: '1' });
    const from = (ip: string, name: string) => new ApiClient(server.url).send('POST', '/api/auth/login', { username: name, password: 'wrong password' }, { 'x-forwarded-for': ip });
    for (let i = 1; i <= 10; i++) expect((await from(`2001:db8:1:2::${i.toString(16)}`, `name-${i}`)).status).toBe(401);
    const rotated = await from('2001:db8:1:2:ffff:1234:5678:9abc', 'name-11');
    expect([rotated.status, rotated.body.message]).toEqual([429, 'Too many failed logins. Try again in 15 minutes.']);
    expect(Number(rotated.headers['retry-after'])).toBeGreaterThan(14 * 60);
    // The next /64 and an IPv4 client are not affected.
    expect((await from('2001:db8:1:3::1', 'name-12')).status).toBe(401);
    expect((await from('198.51.100.7', 'name-13')).status).toBe(401);
  });
});
