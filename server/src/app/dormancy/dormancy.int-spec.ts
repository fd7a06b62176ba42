import { encodeResults, PROBE_INTERVAL_MS, RttCode, type Sample } from '@meshping/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../testing/api-client';
import { ManualClock } from '../../testing/manual-clock';
import { connectLocalAgent } from '../../testing/test-agent';
import { startTestServer, type TestServer } from '../../testing/test-server';
import type { TestClient } from '../../testing/ws-client';
import { AlertEngineService } from '../alerts/alert-engine.service';
import { DormancyService } from './dormancy.service';

interface TargetRow {
  id: number;
  address: string;
  dormantSince: number | null;
  dormantAfterSeconds: number | null;
}

describe(`${DormancyService.name} (real server, real SQLite file, a real ws agent)`, () => {
  let dataDir: string;
  let clock: ManualClock;
  let server: TestServer;
  let admin: ApiClient;
  let agent: TestClient;
  let targets: number[];
  let seq = 0;
  /** When the last round's review ran (the test clock follows the wall clock between steps: a few ms). */
  let reviewedAt = 0;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'meshping-dormant-'));
    clock = new ManualClock();
    server = await startTestServer({ MESHPING_DATA_DIR: dataDir, MESHPING_INITIAL_TARGETS: '192.0.2.1,192.0.2.2,192.0.2.3' }, clock);
    admin = new ApiClient(server.url);
    expect((await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' })).status).toBe(200);
    ({ link: agent, targets } = await connectLocalAgent(server.url, dataDir));
  });

  afterEach(async () => {
    agent?.close();
    await server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rows = async () => (await admin.get('/api/targets')).body as TargetRow[];
  const row = async (id: number) => (await rows()).find((t) => t.id === id) as TargetRow;
  /** One probe round: rtt(index of the target), then the server's 5-s reviews, 5 s on. */
  const round = async (rtt: (i: number) => number) => {
    const at = clock.now();
    const samples: Sample[] = targets.map((targetId, i) => ({ targetId, at: at + i, rtt: rtt(i) })).filter((s) => !Number.isNaN(s.rtt));
    const s = seq++;
    agent.send(encodeResults(s, samples));
    await agent.next((m) => m.type === 'ack' && m.seq === s);
    clock.advance(1_000);
    reviewedAt = clock.now();
    await server.app.get(DormancyService).review();
    await server.app.get(AlertEngineService).evaluate();
    clock.advance(PROBE_INTERVAL_MS - 1_000);
  };

  it('puts a target that no agent got a reply from for its time to sleep, tells the agents, and wakes it at its first reply', async () => {
    expect((await admin.patch('/api/settings', { dormantAfterSeconds: 60 })).status).toBe(200);
    // Target 3 never goes dormant (its own 0), target 1 always answers, target 2 never does.
    expect((await admin.patch(`/api/targets/${targets[2]}`, { dormantAfterSeconds: 0 })).status).toBe(200);
    await agent.next((m) => m.type === 'targets-changed');
    const down = (i: number) => (i === 0 ? 900 : RttCode.NO_REPLY);
    for (let i = 0; i < 12; i++) await round(down); // 55 s of no reply
    expect((await row(targets[1])).dormantSince).toBeNull();
    await round(down); // 60 s: asleep
    const asleep = await row(targets[1]);
    // Asleep from the review that found it quiet for 60 s.
    expect(asleep.dormantSince).toBeGreaterThanOrEqual(reviewedAt);
    expect(asleep.dormantSince).toBeLessThan(reviewedAt + 1_000);
    expect((await row(targets[0])).dormantSince).toBeNull();
    expect((await row(targets[2])).dormantSince).toBeNull();
    // The agents hear it as a change of the list: the target with when it went dormant.
    const told = await agent.next((m) => m.type === 'targets-changed' && m.upserted.some((t: { id: number }) => t.id === targets[1]));
    expect(told.upserted).toEqual([{ id: targets[1], address: '192.0.2.2', name: null, dormantSince: asleep.dormantSince }]);

    // Probed rarely now: its "Unreachable" incident stays open (its samples are not stale between probes).
    const open = async () => ((await admin.get('/api/incidents?state=open')).body as { causeKey: string }[]).map((i) => i.causeKey);
    expect(await open()).toContain(`target:${targets[1]}`);
    for (let i = 0; i < 24; i++) await round((t) => (t === 1 ? (i % 6 === 5 ? RttCode.NO_REPLY : NaN) : down(t)));
    expect(await open()).toContain(`target:${targets[1]}`);
    expect((await row(targets[1])).dormantSince).toBe(asleep.dormantSince);

    // Its first reply wakes it for everyone.
    await round((t) => (t === 1 ? 700 : down(t)));
    expect((await row(targets[1])).dormantSince).toBeNull();
    const woke = await agent.next((m) => m.type === 'targets-changed' && m.upserted.some((t: { id: number; dormantSince?: number }) => t.id === targets[1] && !t.dormantSince));
    expect(woke.upserted).toEqual([{ id: targets[1], address: '192.0.2.2', name: null }]);
    // Its silence counts from scratch: another 55 s of no reply keeps it awake.
    for (let i = 0; i < 11; i++) await round(down);
    expect((await row(targets[1])).dormantSince).toBeNull();
  });

  it('takes the setting and a target\'s own time only within bounds, and 0 (never) wakes a dormant target', async () => {
    for (const bad of [30, -1, 1.5, null, '600', 8 * 86_400]) {
      const res = await admin.patch('/api/settings', { dormantAfterSeconds: bad });
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect([res.body.message].flat().join(' ')).toContain('dormantAfterSeconds');
    }
    for (const bad of [59, -5, 2.5, 'x']) {
      const res = await admin.patch(`/api/targets/${targets[0]}`, { dormantAfterSeconds: bad });
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    expect((await admin.get('/api/settings')).body.dormantAfterSeconds).toBe(600);
    expect((await admin.patch(`/api/targets/${targets[0]}`, { dormantAfterSeconds: 120 })).body).toMatchObject({ dormantAfterSeconds: 120, dormantSince: null });
    expect((await admin.patch(`/api/targets/${targets[0]}`, { dormantAfterSeconds: null })).body).toMatchObject({ dormantAfterSeconds: null });

    // Asleep, then "never" for everyone: it wakes at the next review.
    expect((await admin.patch('/api/settings', { dormantAfterSeconds: 60 })).status).toBe(200);
    for (let i = 0; i < 14; i++) await round(() => RttCode.NO_REPLY);
    expect((await rows()).every((t) => t.dormantSince !== null)).toBe(true);
    expect((await admin.patch('/api/settings', { dormantAfterSeconds: 0 })).status).toBe(200);
    await server.app.get(DormancyService).review();
    expect((await rows()).map((t) => t.dormantSince)).toEqual([null, null, null]);
  });
});
