import { encodeResults, PROBE_INTERVAL_MS, PROTOCOL_VERSION, RttCode, type Sample } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DATABASE_FILE } from '../../infra/database/database.module';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { ApiClient } from '../../testing/api-client';
import { chunkedGet } from '../../testing/chunked-get';
import { readStoredSamples, type StoredRow } from '../../testing/stored-samples';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { sampleStatus } from './pair-export';
import { BUCKET_MS, HOUR_MS, SamplesRepository, type ChunkRow } from './samples.repository';
import { encodeChunk, rttToValue } from './storage/sample-codec';

const SEEDED_HOURS = 72;
/** The seeded outcomes: mostly replies (exact µs below 131 ms), and every kind of failure now and then. */
const rttOf = (i: number) => (i % 211 === 0 ? RttCode.SEND_ERROR : i % 97 === 0 ? RttCode.UNRESOLVED : i % 50 === 0 ? RttCode.NO_REPLY : 500 + (i % 1000));

/** GET /api/pairs/.../export: the real server on a real SQLite file; 72 hours on disk plus the last minutes in memory. */
describe('pair samples export (real server, real SQLite file)', () => {
  let server: TestServer;
  let admin: ApiClient;
  let viewer: ApiClient;
  let agent: TestClient;
  let agentId: number;
  let targets: number[];
  let seedFrom: number;
  let now: number;
  let expected: StoredRow[];

  beforeAll(async () => {
    // Retention longer than the seeded days, so the hourly job keeps them.
    server = await startTestServer({ MESHPING_RETENTION_HOURS: '800' });
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    expect((await admin.post('/api/users', { username: 'vera', password: 'viewer password 1', role: 'viewer' })).status).toBe(201);
    viewer = new ApiClient(server.url);
    expect((await viewer.login('vera', 'viewer password 1')).status).toBe(200);
    agent = await TestClient.connect(`${server.url.replace('http', 'ws')}/agent`);
    const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    agent.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'Zürich lab', version: '0.1.0', addresses: [] }, auth: { kind: 'local-token', token } });
    agentId = (await agent.next((m) => m.type === 'welcome')).agentId;
    targets = (await agent.next((m) => m.type === 'targets')).targets.map((t: { id: number }) => t.id);

    // 72 whole hours on disk, ending two hours ago (before what the hour cache covers), written as the server writes chunks.
    now = Date.now();
    const seedTo = Math.floor((now - 2 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    seedFrom = seedTo - SEEDED_HOURS * HOUR_MS;
    const rows: ChunkRow[] = [];
    let i = 0;
    for (let start = seedFrom; start < seedTo; start += BUCKET_MS) {
      const ats = Array.from({ length: BUCKET_MS / PROBE_INTERVAL_MS }, (_, k) => start + 1000 + k * PROBE_INTERVAL_MS);
      const values = ats.map(() => rttToValue(rttOf(i++)));
      const hour = Math.floor(start / HOUR_MS);
      const bucket = (start - hour * HOUR_MS) / BUCKET_MS;
      rows.push({ hour, agentId, targetId: targets[0], bucket, data: encodeChunk(start, ats, values, ats.length) });
      // The other target in the same tables: must not leak into target 0's export.
      if (start < seedFrom + HOUR_MS) rows.push({ hour, agentId, targetId: targets[1], bucket, data: encodeChunk(start, ats, ats.map(() => rttToValue(7)), ats.length) });
    }
    const repository = server.app.get(SamplesRepository);
    for (let k = 0; k < rows.length; k += 500) await repository.writeChunks(rows.slice(k, k + 500));

    // The last two minutes from the agent itself (acknowledged: in the journal and the hour cache).
    const recentFrom = Math.floor((now - 2 * 60_000) / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS;
    const recent: Sample[] = Array.from({ length: 24 }, (_, k) => ({ targetId: targets[0], at: recentFrom + k * PROBE_INTERVAL_MS, rtt: k === 3 ? RttCode.NO_REPLY : 900 + k }));
    agent.send(encodeResults(0, recent));
    await agent.next((m) => m.type === 'ack' && m.seq === 0);

    expected = (await readStoredSamples(join(server.dataDir, DATABASE_FILE))).all.filter((r) => r.agent_id === agentId && r.target_id === targets[0]);
    expect(expected).toHaveLength(SEEDED_HOURS * 720 + 24);
  }, 60_000);

  afterAll(async () => {
    agent.close();
    await server.stop();
  });

  const path = (query: string, target = targets[0]) => `/api/pairs/${agentId}/${target}/export?${query}`;
  const csvOf = (rows: readonly StoredRow[]) =>
    'at_iso,at_ms,rtt_us,status\r\n' + rows.map((r) => `${new Date(r.at).toISOString()},${r.at},${r.rtt >= 0 ? r.rtt : ''},${sampleStatus(r.rtt)}\r\n`).join('');
  const jsonOf = (rows: readonly StoredRow[]) => rows.map((r) => ({ atIso: new Date(r.at).toISOString(), atMs: r.at, rttUs: r.rtt >= 0 ? r.rtt : null, status: sampleStatus(r.rtt) }));

  it('exports exactly the stored samples of the pair, oldest first, as CSV and as JSON, disk and memory alike', async () => {
    const to = Date.now() + 60_000;
    const csv = await chunkedGet(server.url, path(`from=${seedFrom}&to=${to}&format=csv`), { cookie: viewer.cookieHeader });
    expect(csv.status).toBe(200);
    expect(csv.body).toBe(csvOf(expected)); // count, order and every value
    expect(csv.body.split('\r\n')).toHaveLength(expected.length + 2); // header, rows, and the empty string after the last CRLF
    expect(new Set(csv.body.split('\r\n').slice(1, -1).map((l) => l.split(',')[3]))).toEqual(new Set(['reply', 'no_reply', 'unresolved', 'send_error']));

    const json = await viewer.get(path(`from=${seedFrom}&to=${to}&format=json`));
    expect(json.status).toBe(200);
    expect(json.body).toHaveLength(expected.length);
    expect(JSON.stringify(json.body)).toBe(JSON.stringify(jsonOf(expected))); // toEqual on 50k objects takes seconds

  });

  it('takes `from` inclusive and `to` exclusive, and defaults to csv', async () => {
    const from = seedFrom + 1000 + 10 * PROBE_INTERVAL_MS; // exactly a sample's time
    const to = from + 10 * PROBE_INTERVAL_MS; // exactly another's
    const res = await viewer.get(path(`from=${from}&to=${to}`));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.body).toBe(csvOf(expected.filter((r) => r.at >= from && r.at < to)));
    expect(res.body.split('\r\n')).toHaveLength(12);
    expect(res.body.split('\r\n')[1].startsWith(`${new Date(from).toISOString()},${from},`)).toBe(true);
  });

  it('names the attachment after the agent, the target and the window, safely encoded', async () => {
    const from = seedFrom;
    const to = seedFrom + HOUR_MS;
    const csv = await viewer.get(path(`from=${from}&to=${to}`));
    expect(csv.headers['content-disposition']).toBe(
      `attachment; filename="meshping-Z_rich_lab-127.0.0.1-${from}-${to}.csv"; filename*=UTF-8''meshping-Z%C3%BCrich_lab-127.0.0.1-${from}-${to}.csv`,
    );
    expect(csv.headers['cache-control']).toBe('no-store');
    const json = await viewer.get(path(`from=${from}&to=${to}&format=json`, targets[1]));
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.headers['content-disposition']).toContain(`filename*=UTF-8''meshping-Z%C3%BCrich_lab-_1-${from}-${to}.json`); // ::1
    expect(json.body).toHaveLength(720); // the other target's own hour, nothing of target 0
    expect(json.body.every((s: { rttUs: number }) => s.rttUs === 7)).toBe(true);
  });

  it('gives a header-only CSV and [] for a window without samples', async () => {
    const from = Date.UTC(2001, 0, 1);
    const csv = await viewer.get(path(`from=${from}&to=${from + HOUR_MS}&format=csv`));
    expect([csv.status, csv.body]).toEqual([200, 'at_iso,at_ms,rtt_us,status\r\n']);
    const json = await viewer.send('GET', path(`from=${from}&to=${from + HOUR_MS}&format=json`));
    expect([json.status, json.body]).toEqual([200, []]);
  });

  it('refuses bad queries with a 400 naming the field, unknown ids with 404, and callers without a session with 401', async () => {
    const n = Date.now();
    const cases: [string, number, string][] = [
      ['format=xml', 400, 'format must be one of: csv, json'],
      ['format=', 400, 'format must be one of: csv, json'],
      ['from=abc', 400, 'from must be an integer (epoch ms)'],
      ['from=12', 400, 'from must not be before 2000-01-01'],
      [`to=${n + HOUR_MS}`, 400, 'to must not be more than 5 minutes ahead'],
      [`from=${n}&to=${n - HOUR_MS}`, 400, 'from must be before to'],
      [`from=${n - 745 * HOUR_MS}&to=${n}`, 400, 'from must be at most 744 hours before to'],
      ['extra=1', 400, 'property extra should not exist'],
    ];
    for (const [query, status, message] of cases) {
      const res = await viewer.get(path(query));
      expect([query, res.status, JSON.stringify(res.body.message)]).toEqual([query, status, expect.stringContaining(message)]);
    }
    // The longest window allowed is fine.
    expect((await viewer.get(path(`from=${n - 744 * HOUR_MS}&to=${n}&format=json`))).status).toBe(200);
    expect((await viewer.get(`/api/pairs/999/${targets[0]}/export`)).body).toMatchObject({ statusCode: 404, message: 'no agent with id 999' });
    expect((await viewer.get(`/api/pairs/${agentId}/999/export`)).body).toMatchObject({ statusCode: 404, message: 'no target with id 999' });
    expect((await viewer.get(`/api/pairs/x/${targets[0]}/export`)).status).toBe(400);
    expect((await new ApiClient(server.url).get(path(''))).status).toBe(401);
  });

  it('streams a large export in many chunks, with the row count exact', async () => {
    const to = seedFrom + SEEDED_HOURS * HOUR_MS;
    const res = await chunkedGet(server.url, path(`from=${seedFrom}&to=${to}&format=json`), { cookie: viewer.cookieHeader });
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    // One write per 1,000 rows at most: 51,840 rows cannot come in fewer than 52 pieces (plus the brackets).
    expect(res.chunks.length).toBeGreaterThanOrEqual(52);
    expect(JSON.parse(res.body)).toHaveLength(SEEDED_HOURS * 720);
  });

  it('stops reading when the client goes away mid-export', async () => {
    const repository = server.app.get(SamplesRepository);
    const reads = jest.spyOn(repository, 'readPairChunks');
    const before = server.logger.lines.length;
    await new Promise<void>((resolve, reject) => {
      const req = request(new URL(path(`from=${seedFrom}&to=${seedFrom + SEEDED_HOURS * HOUR_MS}&format=json`), server.url), { headers: { cookie: viewer.cookieHeader } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.once('data', () => (req.destroy(), resolve()));
      });
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
      req.end();
    });
    let aborted: { rows: number } | undefined;
    for (let k = 0; k < 100 && !aborted; k++) {
      await new Promise((r) => setTimeout(r, 50));
      const line = server.logger.lines.slice(before).find((l) => l.includes('"export.aborted"'));
      aborted = line ? JSON.parse(line) : undefined;
    }
    expect(aborted).toBeDefined();
    expect(aborted?.rows).toBeLessThan(SEEDED_HOURS * 720);
    // 72 hours are 12 six-hour pages: the reading stopped well before the end.
    expect(reads.mock.calls.length).toBeLessThan(12);
    expect(server.logger.lines.slice(before).some((l) => l.includes('"export.completed"'))).toBe(false);
    reads.mockRestore();
    expect((await viewer.get('/api/health')).status).toBe(200);
  });
});
