import { encodeResults, OFFLINE_AFTER_MS, PROBE_INTERVAL_MS, RttCode, type Sample } from '@meshping/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, OPEN_READONLY } from 'sqlite3';
import { DATABASE_FILE } from '../../infra/database/database.module';
import { ApiClient } from '../../testing/api-client';
import { ManualClock } from '../../testing/manual-clock';
import { readStoredSamples } from '../../testing/stored-samples';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { connectLocalAgent } from '../../testing/test-agent';
import type { TestClient } from '../../testing/ws-client';
import { RetentionService } from '../retention/retention.service';
import { MonitoringService } from './monitoring.service';
import { BUCKET_MS, HOUR_MS } from './samples.repository';
import { rttToValue, valueToRtt } from './storage/sample-codec';

const MINUTE = 60_000;

/** The real server on a real SQLite file, a local agent over a real WebSocket, time moved by hand. */
describe(`${MonitoringService.name} (real server, real SQLite file)`, () => {
  let dataDir: string;
  let clock: ManualClock;
  let server: TestServer;
  let admin: ApiClient;
  let agent: TestClient;
  let agentId: number;
  let targets: number[];
  let seq = 0;

  const start = async () => {
    // Sessions long enough for the hours the clock is moved on (their cookie expiry is wall time).
    server = await startTestServer({ MESHPING_DATA_DIR: dataDir, MESHPING_SESSION_IDLE_MINUTES: '43200', MESHPING_SESSION_MAX_MINUTES: '43200' }, clock);
    admin = new ApiClient(server.url);
  };
  const stop = async () => {
    agent?.close();
    await server.app.close();
  };
  const connect = async () => {
    ({ link: agent, agentId, targets } = await connectLocalAgent(server.url, dataDir, 'a1'));
  };
  const send = async (samples: Sample[]) => {
    const s = seq++;
    agent.send(encodeResults(s, samples));
    await agent.next((m) => m.type === 'ack' && m.seq === s);
  };
  /** n rounds of both targets from `from`, one per probe interval; target 0 replies, target 1 every 4th does not. */
  const rounds = (from: number, n: number): Sample[] =>
    Array.from({ length: n }, (_, i) => [
      { targetId: targets[0], at: from + i * PROBE_INTERVAL_MS, rtt: 1000 + i },
      { targetId: targets[1], at: from + i * PROBE_INTERVAL_MS + 2500, rtt: i % 4 === 0 ? RttCode.NO_REPLY : 200_000 + i },
    ]).flat();
  const monitoring = () => server.app.get(MonitoringService);
  /** Moves time on; the admin's session idles out meanwhile, so it signs in again. */
  const later = async (ms: number) => {
    clock.advance(ms);
    // By the server's clock the agent's link has now been silent that long: the liveness check (every
    // second) drops it once silent for 55 s (the 60 s timeout less its margin). Reconnect, as an agent would.
    if (ms >= OFFLINE_AFTER_MS - 5_000) {
      for (let i = 0; i < 200 && !agent.closed; i++) await new Promise((r) => setTimeout(r, 50));
      await connect();
    }
    expect((await admin.login('admin', 'admin password 1')).status).toBe(200);
  };
  const stored = () => readStoredSamples(join(dataDir, DATABASE_FILE));
  const readSql = (sql: string) =>
    new Promise<unknown[]>((resolve, reject) => {
      const db = new Database(join(dataDir, DATABASE_FILE), OPEN_READONLY);
      db.all(sql, (err, rows) => (db.close(), err ? reject(err) : resolve(rows)));
    });
  const gapRows = () => readSql('SELECT from_at, to_at, reason FROM gaps ORDER BY from_at');

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'meshping-monitoring-'));
    clock = new ManualClock();
    await start();
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' })).status).toBe(200);
    await connect();
  });

  afterEach(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores each (agent, target, time) once whatever is resent, in chunks once the bucket closed, and reads them back from disk', async () => {
    const t0 = Math.floor(clock.now() / BUCKET_MS) * BUCKET_MS - BUCKET_MS; // a whole bucket that has ended
    const first = rounds(t0, 60);
    await send(first.slice(0, 70));
    await send(first.slice(50)); // overlaps the first batch: a resend after a reconnect
    await send(first); // and everything again
    await later(MINUTE);
    await monitoring().compact();

    let disk = await stored();
    expect(disk.duplicates).toEqual([]);
    expect(disk.chunks).toHaveLength(120); // the closed bucket is in chunks ...
    expect(disk.journal).toHaveLength(0); // ... and the journal rows it covered are gone
    expect(disk.all.map((r) => [r.target_id, r.at])).toEqual(first.map((s) => [s.targetId, s.at]).sort((a, b) => a[0] - b[0] || a[1] - b[1]));

    // A late resend into the written bucket, plus one new sample: still once each.
    await send([...first.slice(10, 20), { targetId: targets[0], at: t0 + BUCKET_MS + 1000, rtt: 42 }]);
    await later(BUCKET_MS);
    await monitoring().compact();
    disk = await stored();
    expect(disk.duplicates).toEqual([]);
    expect(disk.all).toHaveLength(121);

    // 55 minutes later the samples are past the memory read window: they come from the chunks.
    await later(55 * MINUTE);
    const res = await admin.get(`/api/pairs/${agentId}/${targets[0]}/samples?since=${t0}`);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(61);
    expect(res.body[0]).toEqual({ at: t0, rtt: 1000 });
    expect(res.body[60]).toEqual({ at: t0 + BUCKET_MS + 1000, rtt: 42 });
  });

  it('gives series and statistics over a window, from memory and disk alike', async () => {
    const t0 = Math.floor(clock.now() / BUCKET_MS) * BUCKET_MS - 2 * BUCKET_MS;
    await send(rounds(t0, 120)); // 10 minutes
    const window = `from=${t0}&to=${t0 + 2 * BUCKET_MS}`;
    const expectStats = async () => {
      const stats = await admin.get(`/api/pairs/${agentId}/${targets[1]}/stats?${window}`);
      expect(stats.status).toBe(200);
      expect(stats.body).toMatchObject({ count: 120, replies: 90, noReply: 30, errors: 0, lossPercent: 25, lastAt: t0 + 119 * 5000 + 2500, lastRttUs: valueToRtt(rttToValue(200_119)) });
      expect(stats.body.minUs).toBe(valueToRtt(rttToValue(200_001)));
      expect(stats.body.maxUs).toBe(200_119 - ((200_119 - 131_068) % 32)); // above 131 ms: 32 µs steps
      expect(stats.body.p50Us).toBe(valueToRtt(rttToValue(200_059)));
      const series = await admin.get(`/api/pairs/${agentId}/${targets[0]}/series?${window}&points=10`);
      expect(series.status).toBe(200);
      expect(series.body.step).toBe(60_000);
      expect(series.body.points).toHaveLength(10);
      expect(series.body.points[0]).toEqual({ at: t0, count: 12, noReply: 0, errors: 0, minUs: 1000, avgUs: 1005.5, maxUs: 1011 });
      expect(series.body.gaps).toEqual([]);
    };
    await expectStats(); // from memory
    await later(BUCKET_MS);
    await monitoring().compact();
    await later(55 * MINUTE);
    await expectStats(); // from the chunks on disk

    expect((await admin.get(`/api/pairs/${agentId}/${targets[0]}/series?from=5&to=4`)).status).toBe(400);
    expect((await admin.get(`/api/pairs/${agentId}/${targets[0]}/series?points=0`)).status).toBe(400);
    expect((await new ApiClient(server.url).get(`/api/pairs/${agentId}/${targets[0]}/stats`)).status).toBe(401);
  });

  it('survives a restart without compaction: the journal is merged into chunks once, and the hour is back in memory', async () => {
    const t0 = clock.now() - 10 * MINUTE;
    const samples = rounds(t0, 100);
    await send(samples);
    await stop(); // no compaction ran: everything is in the journal only
    expect((await stored()).journal).toHaveLength(200);

    await start();
    const disk = await stored();
    expect(disk.journal).toHaveLength(0);
    expect(disk.chunks).toHaveLength(200);
    expect(disk.duplicates).toEqual([]);
    await admin.login('admin', 'admin password 1');
    const grid = await admin.get('/api/grid');
    expect(grid.body.cells).toEqual(expect.arrayContaining([agentId, targets[0], t0 + 99 * 5000, 1099]));

    await connect();
    await send(samples); // the agent resends what it thinks was not acknowledged
    await later(BUCKET_MS + MINUTE);
    await monitoring().compact();
    const after = await stored();
    expect(after.duplicates).toEqual([]);
    expect(after.all).toHaveLength(200);
    const series = await admin.get(`/api/pairs/${agentId}/${targets[0]}/samples?since=${t0}`);
    expect(series.body).toHaveLength(100);
  });

  it('converts the one-row-per-sample table left by the migration into chunks at start, once', async () => {
    const t0 = clock.now() - 10 * MINUTE;
    await stop();
    // What the migration leaves of a database written before chunks: the old rows, renamed.
    await new Promise<void>((resolve, reject) => {
      const db = new Database(join(dataDir, DATABASE_FILE));
      db.serialize(() => {
        db.run('CREATE TABLE samples_legacy (agent_id INTEGER NOT NULL, target_id INTEGER NOT NULL, at INTEGER NOT NULL, rtt INTEGER NOT NULL, PRIMARY KEY (agent_id, target_id, at)) WITHOUT ROWID');
        const insert = db.prepare('INSERT INTO samples_legacy VALUES (?, ?, ?, ?)');
        for (let i = 0; i < 100; i++) insert.run(agentId, targets[0], t0 + i * 5000, 500 + i);
        insert.finalize();
        db.close((err) => (err ? reject(err) : resolve()));
      });
    });
    await start();
    const disk = await stored();
    expect(disk.chunks.map((r) => [r.at, r.rtt])).toEqual(Array.from({ length: 100 }, (_, i) => [t0 + i * 5000, 500 + i]));
    expect(await readSql("SELECT name FROM sqlite_master WHERE name = 'samples_legacy'")).toEqual([]); // dropped
    await connect();
    await send(rounds(t0, 10)); // the same times again from the agent: not stored twice
    expect((await stored()).duplicates).toEqual([]);
    await admin.login('admin', 'admin password 1');
    expect((await admin.get(`/api/pairs/${agentId}/${targets[0]}/samples?since=${t0}`)).body).toHaveLength(100);
  });

  it('records results the agent dropped, and silences nobody filled, as agent gaps, not as no reply', async () => {
    const t0 = Math.floor(clock.now() / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS - 30 * MINUTE;
    await send(rounds(t0, 12)); // one minute
    agent.send({ type: 'dropped', seq: seq, from: t0 + 60_000, to: t0 + 119_999, samples: 24 });
    await agent.next((m) => m.type === 'ack' && m.seq === seq);
    seq++;
    await send(rounds(t0 + 120_000, 12)); // then a silence of 3 minutes
    await send(rounds(t0 + 360_000, 12));

    const window = `from=${t0}&to=${t0 + 420_000}`;
    const gapsOf = async () => (await admin.get(`/api/pairs/${agentId}/${targets[0]}/series?${window}`)).body.gaps;
    const expected = [
      { from: t0 + 60_000, to: t0 + 120_000, reason: 'dropped', samples: 24 },
      { from: t0 + 180_000, to: t0 + 360_000, reason: 'disconnected', samples: null },
    ];
    expect(await gapsOf()).toEqual(expected); // the silence is provisional: a resend could still fill it

    await later(20 * MINUTE); // past the acceptance window: final, recorded
    await monitoring().detectGaps();
    expect(await gapsOf()).toEqual(expected);
    const stats = await admin.get(`/api/pairs/${agentId}/${targets[1]}/stats?${window}`);
    expect(stats.body).toMatchObject({ count: 36, noReply: 9 }); // gaps are not counted as loss
    expect(stats.body.gaps).toEqual(expected);

    // Recorded, not recomputed: the gaps survive a restart that loses the memory of the hour.
    await stop();
    clock.advance(2 * HOUR_MS);
    await start();
    await admin.login('admin', 'admin password 1');
    expect(await gapsOf()).toEqual(expected);
  });

  it('shows an outage the agent reported as one gap, without slivers of silence at its edges', async () => {
    const t0 = Math.floor(clock.now() / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS - 30 * MINUTE;
    await send(rounds(t0, 12));
    // As an agent reports it: the probe times of the first and last result dropped, not slot edges.
    agent.send({ type: 'dropped', seq: seq, from: t0 + 60_001, to: t0 + 104_335, samples: 18 });
    await agent.next((m) => m.type === 'ack' && m.seq === seq);
    seq++;
    await send(rounds(t0 + 105_000, 12)); // what the agent kept, resent after the outage
    const gapsOf = async () => (await admin.get(`/api/pairs/${agentId}/${targets[0]}/series?from=${t0}&to=${t0 + 165_000}`)).body.gaps;
    const expected = [{ from: t0 + 60_001, to: t0 + 104_336, reason: 'dropped', samples: 18 }];
    expect(await gapsOf()).toEqual(expected);
    await later(20 * MINUTE);
    await monitoring().detectGaps(); // recorded: still the one gap
    expect(await gapsOf()).toEqual(expected);
  });

  it('records a long silence as one gap, extended while it lasts and closed when the agent is back', async () => {
    // The test clock runs on with real time: start at the beginning of a probe interval, so the few real
    // seconds this test takes cannot carry its final-boundary arithmetic into the next interval.
    clock.advance(PROBE_INTERVAL_MS - (clock.now() % PROBE_INTERVAL_MS));
    const t0 = Math.floor(clock.now() / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS - 38 * MINUTE;
    await send(rounds(t0, 12)); // one minute, then nothing
    const gapsOf = async (to = clock.now()) => (await admin.get(`/api/pairs/${agentId}/${targets[0]}/series?from=${t0}&to=${to}`)).body.gaps;
    await later(5 * MINUTE); // the start of the silence is now final
    await monitoring().detectGaps();
    const now = clock.now();
    expect(await gapsOf(now)).toEqual([{ from: t0 + MINUTE, to: now, reason: 'disconnected', samples: null }]);
    await later(10 * MINUTE);
    await monitoring().detectGaps(); // extended, not a second row
    const back = Math.floor(clock.now() / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS;
    await send(rounds(back, 12));
    expect(await gapsOf(back + MINUTE)).toEqual([{ from: t0 + MINUTE, to: back, reason: 'disconnected', samples: null }]);
    await later(45 * MINUTE);
    await monitoring().detectGaps(); // closed where the data came back
    // One row, extended (the agent fell silent again after its minute back: that is a second one).
    expect(await gapRows()).toEqual([
      { from_at: t0 + MINUTE, to_at: back, reason: 'disconnected' },
      { from_at: back + MINUTE, to_at: back + 5 * MINUTE, reason: 'disconnected' },
    ]);
    await stop();
    await start();
    await admin.login('admin', 'admin password 1');
    expect(await gapsOf(back + MINUTE)).toEqual([{ from: t0 + MINUTE, to: back, reason: 'disconnected', samples: null }]);
  });

  it('enforces the retention setting by dropping whole hour tables and giving the space back', async () => {
    expect((await admin.patch('/api/settings', { retentionHours: 0 })).status).toBe(400);
    expect((await admin.get('/api/settings')).body.retentionHours).toBe(24);
    const t0 = clock.now() - 20 * MINUTE;
    // Three hours of 50 targets' worth of samples in the older hours, written through ingest.
    const many: Sample[] = [];
    for (let i = 0; i < 240; i++) for (const targetId of targets) many.push({ targetId, at: t0 + i * 5000, rtt: 500 + i });
    await send(many);
    await later(BUCKET_MS * 5);
    await monitoring().compact();
    expect((await stored()).chunks).toHaveLength(480);
    const before = await monitoring().storageFigures();

    const patched = await admin.patch('/api/settings', { retentionHours: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body.retentionHours).toBe(1);
    await later(2 * HOUR_MS);
    await server.app.get(RetentionService).enforce();
    const disk = await stored();
    expect(disk.chunks).toHaveLength(0);
    expect((await admin.get(`/api/pairs/${agentId}/${targets[0]}/samples?since=${t0}`)).body).toEqual([]);
    const after = await monitoring().storageFigures();
    expect(after.freeBytes).toBe(0); // incremental vacuum gave the dropped tables' pages back
    expect(after.databaseBytes).toBeLessThan(before.databaseBytes);
    const audit = await admin.get('/api/audit');
    expect(JSON.stringify(audit.body)).toContain('retentionHours');
  });
});
