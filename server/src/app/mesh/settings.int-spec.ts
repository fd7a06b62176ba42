import { encodeResults, PROBE_INTERVAL_MS, PROTOCOL_VERSION, type Sample } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { MonitoringService } from '../monitoring/monitoring.service';
import { RetentionService } from '../retention/retention.service';
import { SettingsService } from './settings.service';

/** Issue #13 defect 2: `{"retentionHours": null}` was stored as "null", read as NaN, and retention dropped every hour table. */
describe(`${SettingsService.name}: settings never hold null or NaN`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let agent: TestClient;

  const sql = (query: string, params: unknown[] = []) => server.app.get(DataSource).query(query, params);
  const chunkTables = async () => ((await sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'chunks_%'")) as unknown[]).length;

  beforeAll(async () => {
    server = await startTestServer({ MESHPING_RETENTION_HOURS: '24' });
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    agent = await TestClient.connect(`${server.url.replace('http', 'ws')}/agent`);
    const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    agent.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'a1', version: '0.1.0', addresses: [] }, auth: { kind: 'local-token', token } });
    await agent.next((m) => m.type === 'welcome');
    const target = (await agent.next((m) => m.type === 'targets')).targets[0].id;
    // Acknowledged samples in a closed bucket, written to an hour table on disk.
    const from = Math.floor((Date.now() - 15 * 60_000) / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS;
    const samples: Sample[] = Array.from({ length: 12 }, (_, i) => ({ targetId: target, at: from + i * PROBE_INTERVAL_MS, rtt: 700 }));
    agent.send(encodeResults(0, samples));
    await agent.next((m) => m.type === 'ack' && m.seq === 0);
    await server.app.get(MonitoringService).compact();
  });

  afterAll(async () => {
    agent.close();
    await server.stop();
  });

  it('refuses null (and every other non-value) for each setting with a 400 naming it; nothing is stored', async () => {
    const before = (await admin.get('/api/settings')).body;
    const cases: [Record<string, unknown>, string][] = [
      [{ retentionHours: null }, 'retentionHours must not be null'],
      [{ fullMesh: null }, 'fullMesh must not be null'],
      [{ latencyThresholdMs: null }, 'latencyThresholdMs must not be null'],
      [{ targetDenyRanges: null }, 'targetDenyRanges must not be null'],
      [{ targetAllowRanges: null }, 'targetAllowRanges must not be null'],
      // Exponent notation made class-validator's IsNumber({ maxDecimalPlaces }) throw: a 500 (fuzzer finding).
      [{ latencyThresholdMs: 1e-9 }, 'latencyThresholdMs must be a number of milliseconds with at most 3 decimal places'],
      [{ latencyThresholdMs: 1.0005 }, 'latencyThresholdMs must be a number of milliseconds with at most 3 decimal places'],
      [{ retentionHours: 'NaN' }, 'retentionHours must be an integer'],
      [{ retentionHours: 1.5 }, 'retentionHours must be an integer'],
      [{ retentionHours: 8761 }, 'retentionHours must not be greater than 8760'],
      [{ fullMesh: 'true' }, 'fullMesh must be a boolean'],
      [{ targetDenyRanges: ['10.0.0.0/33'] }, 'targetDenyRanges must hold CIDR ranges'],
      [{ targetDenyRanges: [null] }, 'targetDenyRanges must hold CIDR ranges'],
      [{ targetAllowRanges: 'fe80::/10' }, 'targetAllowRanges must be an array'],
      // One bad field refuses the whole change.
      [{ fullMesh: true, retentionHours: null }, 'retentionHours must not be null'],
    ];
    for (const [body, message] of cases) {
      const res = await admin.patch('/api/settings', body);
      expect([body, res.status, JSON.stringify(res.body.message)]).toEqual([body, 400, expect.stringContaining(message)]);
    }
    expect((await admin.get('/api/settings')).body).toEqual(before);
    expect(before).toMatchObject({ retentionHours: 24, fullMesh: false, targetDenyRanges: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'], targetAllowRanges: [] });
  });

  it('reads a bad stored value as the default and logs it once; retention then keeps the data', async () => {
    expect(await chunkTables()).toBeGreaterThan(0);
    const tables = await chunkTables();
    for (const bad of ['null', 'NaN', '', '0', '-3', '1e9', '2.5']) {
      await sql("INSERT INTO settings (key, value) VALUES ('retention.hours', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [bad]);
      expect([bad, (await admin.get('/api/settings')).body.retentionHours]).toEqual([bad, 24]);
      await server.app.get(RetentionService).enforce();
      expect([bad, await chunkTables()]).toEqual([bad, tables]);
    }
    await sql("UPDATE settings SET value = 'yes' WHERE key = 'mesh.full'");
    await sql("INSERT INTO settings (key, value) VALUES ('targets.deny_ranges', '[\"nonsense\"]')");
    expect((await admin.get('/api/settings')).body).toMatchObject({ fullMesh: false, targetDenyRanges: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'] });
    await admin.get('/api/settings');
    const warnings = server.logger.lines.filter((l) => l.includes('settings.invalid-stored-value'));
    expect(warnings.filter((l) => l.includes('"value":"null"'))).toHaveLength(1);
    expect(warnings.filter((l) => l.includes('"key":"mesh.full"'))).toHaveLength(1);
    // A valid change replaces the bad rows.
    const fixed = await admin.patch('/api/settings', { retentionHours: 48, fullMesh: false, targetDenyRanges: ['169.254.7.7/16'] });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ retentionHours: 48, fullMesh: false, targetDenyRanges: ['169.254.0.0/16'] });
  });

  it('retention itself refuses a retention that is not a whole number of hours in range, and deletes nothing', async () => {
    const retention = server.app.get(RetentionService);
    const tables = await chunkTables();
    for (const hours of [Number.NaN, 0, -1, 0.5, Infinity, 8761]) {
      await expect(retention.enforceRetention(hours)).rejects.toThrow(/refusing to enforce a retention of .* hours/);
    }
    expect(await chunkTables()).toBe(tables);
  });
});
