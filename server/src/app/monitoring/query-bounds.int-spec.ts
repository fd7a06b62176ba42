import { encodeResults, PROBE_INTERVAL_MS, PROTOCOL_VERSION, type Sample } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { MonitoringService } from './monitoring.service';
import { SamplesRepository } from './samples.repository';
import { encodeChunk, rttToValue } from './storage/sample-codec';

const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;

/** Issue #13 defect 1: one viewer's query with `to` far ahead froze the server (one loop step per 5-s slot). */
describe(`${MonitoringService.name}: every time in a query is bounded, and so is the gap computation`, () => {
  let server: TestServer;
  let admin: ApiClient;
  let agent: TestClient;
  let agentId: number;
  let target: number;

  beforeAll(async () => {
    // Retention beyond the longest window, so a month of hour tables stays and is served.
    server = await startTestServer({ MESHPING_RETENTION_HOURS: '800' });
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    agent = await TestClient.connect(`${server.url.replace('http', 'ws')}/agent`);
    const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    agent.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'a1', version: '0.1.0', addresses: [] }, auth: { kind: 'local-token', token } });
    agentId = (await agent.next((m) => m.type === 'welcome')).agentId;
    target = (await agent.next((m) => m.type === 'targets')).targets[0].id;
    // The agent reported within the last hour, then went silent for a minute: a provisional gap up to now.
    const from = Math.floor((Date.now() - 3 * 60_000) / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS;
    const samples: Sample[] = Array.from({ length: 24 }, (_, i) => ({ targetId: target, at: from + i * PROBE_INTERVAL_MS, rtt: 500 }));
    agent.send(encodeResults(0, samples));
    await agent.next((m) => m.type === 'ack' && m.seq === 0);
  });

  afterAll(async () => {
    agent.close();
    await server.stop();
  });

  const pair = () => `/api/pairs/${agentId}/${target}`;

  it('answers the query that froze the server with a 400 naming `to`, while /api/health keeps answering', async () => {
    const [frozen, health] = await Promise.all([admin.get(`${pair()}/stats?from=8639997321600000&to=8640000000000000`), admin.get('/api/health')]);
    expect(frozen.status).toBe(400);
    expect(JSON.stringify(frozen.body.message)).toMatch(/^\["to must not be more than 5 minutes ahead of the server's clock/);
    expect(health.status).toBe(200);
    const series = await admin.get(`${pair()}/series?from=${Date.now() + 100 * YEAR - HOUR}&to=${Date.now() + 100 * YEAR}`);
    expect([series.status, JSON.stringify(series.body.message)]).toEqual([400, expect.stringContaining('to must not be more than 5 minutes ahead')]);
    expect((await admin.get('/api/health')).status).toBe(200);
  });

  it('refuses every out-of-range time and count with a 400 naming the field', async () => {
    const now = Date.now();
    const cases: [string, string][] = [
      ['stats?from=0', 'from must not be before 2000-01-01'],
      ['stats?from=-5&to=4', 'from must not be before 2000-01-01'],
      ['stats?from=1e300', 'from must not be after 8640000000000000 ms'],
      ['stats?to=9007199254740993', 'to must not be after 8640000000000000 ms'],
      ['stats?from=1.5', 'from must be an integer (epoch ms)'],
      ['stats?to=soon', 'to must be an integer (epoch ms)'],
      ['stats?from=', 'from must not be before 2000-01-01'],
      [`stats?from=${now - 800 * HOUR}&to=${now}`, 'from must be at most 744 hours before to'],
      [`series?from=${now}&to=${now - HOUR}`, 'from must be before to'],
      [`series?to=${now + HOUR}`, 'to must not be more than 5 minutes ahead'],
      ['series?points=0', 'points must not be less than 1'],
      ['series?points=5001', 'points must not be greater than 5000'],
      [`samples?since=${now + HOUR}`, 'since must not be more than 5 minutes ahead'],
      [`samples?since=${now - 800 * HOUR}`, 'since must be at most 744 hours ago'],
      ['samples?since=12', 'since must not be before 2000-01-01'],
    ];
    for (const [query, message] of cases) {
      const res = await admin.get(`${pair()}/${query}`);
      expect([query, res.status, JSON.stringify(res.body.message)]).toEqual([query, 400, expect.stringContaining(message)]);
    }
    // A client clock a little fast is fine: the answer is bounded by what exists.
    expect((await admin.get(`${pair()}/stats?to=${now + 60_000}`)).status).toBe(200);
    expect((await admin.get(`/api/audit?before=${2 ** 60}`)).status).toBe(400);
  });

  it('ends a silence still going on at the server\'s clock, not at a `to` ahead of it', async () => {
    const to = Date.now() + 4 * 60_000;
    const stats = await admin.get(`${pair()}/stats?from=${to - HOUR}&to=${to}`);
    expect(stats.status).toBe(200);
    expect(stats.body.count).toBe(24);
    expect(stats.body.gaps).toHaveLength(1);
    expect(stats.body.gaps[0].reason).toBe('disconnected');
    expect(stats.body.gaps[0].to).toBeLessThanOrEqual(Date.now());
  });

  it('bounds the gap computation itself: a window to the end of time costs no more than the cache ring', async () => {
    const monitoring = server.app.get(MonitoringService);
    const gaps = await monitoring.gaps(agentId, Date.now() - HOUR, 8_640_000_000_000_000);
    expect(gaps).toHaveLength(1);
    expect(gaps[0].to).toBeLessThanOrEqual(Date.now());
    expect(await monitoring.gaps(agentId, 8_639_997_321_600_000, 8_640_000_000_000_000)).toEqual([]);
    expect((await admin.get('/api/health')).status).toBe(200);
  });

  it('answers the longest window over more hour tables than SQLite joins in one statement (500)', async () => {
    // One bucket in each of 600 hours before the last one: 600 tables (was a 500 "too many terms in compound SELECT").
    const lastHour = Math.floor(Date.now() / HOUR) - 2;
    const ats = Array.from({ length: 60 }, (_, k) => k * PROBE_INTERVAL_MS);
    const rows = Array.from({ length: 600 }, (_, i) => {
      const start = (lastHour - i) * HOUR;
      return { hour: lastHour - i, agentId, targetId: target, bucket: 0, data: encodeChunk(start, ats.map((d) => start + d), ats.map(() => rttToValue(700)), 60) };
    });
    await server.app.get(SamplesRepository).writeChunks(rows);
    const to = Date.now();
    const from = to - 744 * HOUR;
    const stats = await admin.get(`${pair()}/stats?from=${from}&to=${to}`);
    expect([stats.status, stats.body.count]).toEqual([200, 600 * 60 + 24]);
    const series = await admin.get(`${pair()}/series?from=${from}&to=${to}&points=744`);
    expect(series.status).toBe(200);
    expect(series.body.points.reduce((n: number, p: { count: number }) => n + p.count, 0)).toBe(600 * 60 + 24);
    const samples = await admin.get(`${pair()}/samples?since=${to - 743 * HOUR}`);
    expect([samples.status, samples.body.length]).toEqual([200, 600 * 60 + 24]);
  });
});
