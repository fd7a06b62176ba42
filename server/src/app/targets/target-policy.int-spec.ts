import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TargetsService } from './targets.service';

interface Target {
  id: number;
  address: string;
  name: string | null;
}

/** Issue #13 defects 5 and 8 (names): the target address policy, canonical forms and names without hidden characters. */
describe(`${TargetsService.name}: address policy, canonical forms, names`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let operator: ApiClient;

  const message = (res: { body: { message?: unknown } }) => JSON.stringify(res.body.message);
  const addresses = async () => ((await operator.get('/api/targets')).body as Target[]).map((t) => t.address);

  beforeAll(async () => {
    server = await startTestServer();
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    await admin.post('/api/users', { username: 'otto', password: 'operator pass 1', role: 'operator' });
    operator = new ApiClient(server.url);
    await operator.login('otto', 'operator pass 1');
  });

  afterAll(() => server.stop());

  it('always refuses addresses no echo request may go to, and numeric-looking hostnames, naming the rule', async () => {
    const before = await addresses();
    const cases: [string, string][] = [
      ['0.0.0.0', 'address is an unspecified address (0.0.0.0/8), which cannot be probed'],
      ['255.255.255.255', 'address is a broadcast address, which cannot be probed'],
      ['224.0.0.1', 'address is a multicast address (224.0.0.0/4), which cannot be probed'],
      ['ff02::1', 'address is a multicast address (ff00::/8), which cannot be probed'],
      ['::', 'address is the unspecified address (::), which cannot be probed'],
      ['::ffff:0.0.0.0', 'address is an unspecified address (0.0.0.0/8), which cannot be probed'],
      ['0x7f000001', 'address must be an IPv4 address, an IPv6 address or a hostname'],
      ['127.1', 'address must be an IPv4 address, an IPv6 address or a hostname'],
      ['2130706433', 'address must be an IPv4 address, an IPv6 address or a hostname'],
    ];
    for (const [address, reason] of cases) {
      const res = await operator.post('/api/targets', { address });
      expect([address, res.status, message(res)]).toEqual([address, 400, JSON.stringify([reason])]);
    }
    expect(await addresses()).toEqual(before);
  });

  it('stores the canonical form and compares it for uniqueness', async () => {
    expect(await addresses()).toEqual(['127.0.0.1', '::1']);
    for (const address of ['0:0:0:0:0:0:0:1', '::0001', '::ffff:127.0.0.1', '::FFFF:7F00:1']) {
      const res = await operator.post('/api/targets', { address });
      expect([address, res.status, res.body.message]).toEqual([address, 409, expect.stringMatching(/^address "(::1|127\.0\.0\.1)" is already a target/)]);
    }
    const host = await operator.post('/api/targets', { address: 'LOCALHOST' });
    expect([host.status, host.body.address]).toEqual([201, 'localhost']);
    expect((await operator.post('/api/targets', { address: 'localhost.' })).status).toBe(409);
    const v6 = await operator.post('/api/targets', { address: '2001:DB8:0:0:1:0:0:1' });
    expect([v6.status, v6.body.address]).toEqual([201, '2001:db8::1:0:0:1']);
    const moved = await operator.patch(`/api/targets/${v6.body.id}`, { address: '::FFFF:192.0.2.200' });
    expect([moved.status, moved.body.address]).toEqual([200, '192.0.2.200']);
    // The same address in another spelling is no change (and no conflict with itself).
    expect((await operator.patch(`/api/targets/${v6.body.id}`, { address: '::ffff:c000:2c8' })).body.address).toBe('192.0.2.200');
    expect((await operator.patch(`/api/targets/${host.body.id}`, { address: '::1' })).status).toBe(409);
    for (const t of [host.body, v6.body]) expect((await operator.delete(`/api/targets/${t.id}`)).status).toBe(204);
  });

  it('applies the admin-set deny and allow ranges when a target is added or edited; changing them is audited', async () => {
    for (const address of ['169.254.169.254', 'fe80::1', 'FD00:EC2::254']) {
      const res = await operator.post('/api/targets', { address });
      expect([address, res.status, message(res)]).toEqual([address, 400, expect.stringContaining('which the setting targetDenyRanges refuses')]);
    }
    const t = await operator.post('/api/targets', { address: '10.250.1.1' });
    expect(t.status).toBe(201);
    const edit = await operator.patch(`/api/targets/${t.body.id}`, { address: '169.254.0.9' });
    expect([edit.status, message(edit)]).toEqual([400, JSON.stringify(['address 169.254.0.9 is in 169.254.0.0/16, which the setting targetDenyRanges refuses'])]);

    expect((await operator.patch('/api/settings', { targetDenyRanges: [] })).status).toBe(403);
    const set = await admin.patch('/api/settings', { targetDenyRanges: ['10.250.1.0/24'], targetAllowRanges: ['10.250.0.0/16', '127.0.0.0/8', '::1/128', '2001:DB8::/32'] });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ targetDenyRanges: ['10.250.1.0/24'], targetAllowRanges: ['10.250.0.0/16', '127.0.0.0/8', '::1/128', '2001:db8::/32'] });
    const audit = ((await admin.get('/api/audit?limit=5')).body as { action: string; detail: Record<string, unknown> }[]).find((e) => e.action === 'settings.updated');
    expect(audit?.detail).toEqual({ targetDenyRanges: ['10.250.1.0/24'], targetAllowRanges: ['10.250.0.0/16', '127.0.0.0/8', '::1/128', '2001:db8::/32'] });

    expect((await operator.post('/api/targets', { address: '169.254.169.254' })).status).toBe(400);
    const outside = await operator.post('/api/targets', { address: '192.0.2.1' });
    expect([outside.status, message(outside)]).toEqual([400, JSON.stringify(['address 192.0.2.1 is in none of the ranges of the setting targetAllowRanges'])]);
    const denied = await operator.post('/api/targets', { address: '10.250.1.7' });
    expect([denied.status, message(denied)]).toEqual([400, expect.stringContaining('10.250.1.0/24, which the setting targetDenyRanges refuses')]);
    for (const address of ['10.250.2.7', '2001:db8::7', 'probe.example.test']) expect([address, (await operator.post('/api/targets', { address })).status]).toEqual([address, 201]);

    expect((await admin.patch('/api/settings', { targetDenyRanges: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'], targetAllowRanges: [] })).status).toBe(200);
    expect((await operator.post('/api/targets', { address: '192.0.2.1' })).status).toBe(201);
  });

  it('refuses null where it means nothing (address) and keeps it where it does (name: none)', async () => {
    const t = await operator.post('/api/targets', { address: '192.0.2.77', name: 'x' });
    for (const send of [() => operator.post('/api/targets', { address: null }), () => operator.patch(`/api/targets/${t.body.id}`, { address: null })]) {
      const res = await send();
      expect([res.status, message(res)]).toEqual([400, expect.stringContaining('address must be a string')]);
    }
    const cleared = await operator.patch(`/api/targets/${t.body.id}`, { name: null, group: null, latencyThresholdMs: null });
    expect([cleared.status, cleared.body.name, cleared.body.address]).toEqual([200, null, '192.0.2.77']);
  });

  it('refuses names and groups with control or format characters (NUL, U+202E ...) and token names too', async () => {
    const before = await addresses();
    for (const [body, text] of [
      [{ address: '192.0.2.88', name: 'evil\u202Egnp.exe' }, 'name must not contain control or format characters (U+202E at 4)'],
      [{ address: '192.0.2.88', name: 'a\u0000b' }, 'name must not contain control or format characters (U+0000 at 1)'],
      [{ address: '192.0.2.88', group: 'dc\u200B1' }, 'group must not contain control or format characters (U+200B at 2)'],
      [{ address: '192.0.2.88', name: 'two\nlines' }, 'name must not contain control or format characters (U+000A at 3)'],
    ] as const) {
      const res = await operator.post('/api/targets', body);
      expect([res.status, message(res)]).toEqual([400, expect.stringContaining(text)]);
    }
    expect(await addresses()).toEqual(before);
    const id = ((await operator.get('/api/targets')).body as Target[])[0].id;
    expect((await operator.patch(`/api/targets/${id}`, { name: 'x\u2066y' })).status).toBe(400);
    const token = await admin.post('/api/tokens', { name: 'rack\u202E7', scopes: ['metrics:read'] });
    expect([token.status, message(token)]).toEqual([400, expect.stringContaining('name must not contain control or format characters (U+202E at 4)')]);
    expect((await admin.post('/api/tokens', { name: ' rack 7', scopes: ['metrics:read'] })).status).toBe(400);
    expect((await operator.post('/api/targets', { address: '192.0.2.88', name: 'Zürich ▸ rack 7' })).status).toBe(201);
  });
});

describe('Upgrade: stored targets are brought to their canonical form', () => {
  it('rewrites spellings, deletes duplicates and refused addresses as tombstones with an audit entry, and bumps the list version', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshping-canonical-'));
    try {
      let server: TestServer = await startTestServer({ MESHPING_DATA_DIR: dataDir });
      const sql = (q: string, p: unknown[] = []) => server.app.get(DataSource).query(q, p);
      // What an older version let operators store (the unique index compared text only).
      for (const address of ['::0001', '0:0:0:0:0:0:0:1', 'LOCALHOST.', 'localhost', '0.0.0.0', '::FFFF:192.0.2.5', '0x7f000001']) {
        await sql('INSERT INTO targets (address) VALUES (?)', [address]);
      }
      await sql("DELETE FROM migrations WHERE name = 'CanonicalTargets1764550000000'");
      const [{ value: version }] = await sql("SELECT value FROM settings WHERE key = 'targets.version'");
      await server.app.close();

      server = await startTestServer({ MESHPING_DATA_DIR: dataDir });
      try {
        const live = await sql('SELECT id, address FROM targets WHERE deleted_at IS NULL ORDER BY id');
        expect(live.map((r: { address: string }) => r.address)).toEqual(['127.0.0.1', '::1', 'localhost', '192.0.2.5']);
        const gone = await sql('SELECT address FROM targets WHERE deleted_at IS NOT NULL ORDER BY id');
        expect(gone.map((r: { address: string }) => r.address)).toEqual(['::0001', '0:0:0:0:0:0:0:1', 'localhost', '0.0.0.0', '0x7f000001']);
        const audit = await sql("SELECT subject, detail FROM audit_log WHERE action = 'target.deleted' ORDER BY id");
        expect(audit).toHaveLength(5);
        expect(audit[0]).toEqual({ subject: 'target:::0001', detail: expect.stringContaining('the same address as target 2 (::1)') });
        expect(audit[3].detail).toContain('cannot be probed');
        const [{ value: after }] = await sql("SELECT value FROM settings WHERE key = 'targets.version'");
        expect(Number(after)).toBe(Number(version) + 1);
        expect(server.app.get(TargetsService).list().map((t) => t.address)).toEqual(['127.0.0.1', '::1', 'localhost', '192.0.2.5']);
      } finally {
        await server.app.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
