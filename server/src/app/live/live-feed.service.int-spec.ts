import { CLOCK, type Clock } from '@meshping/node-kit';
import { decodeLiveFrame, RttCode, type LiveCells, type ServerToBrowser } from '@meshping/protocol';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { AgentsService } from '../agents/agents.service';
import { SettingsService } from '../mesh/settings.service';
import { MonitoringService } from '../monitoring/monitoring.service';
import { TargetsService } from '../targets/targets.service';
import { LiveFeedService } from './live-feed.service';

const ADMIN = { id: null, username: 'test' };

/** Binary frame -> message (the browser's decoder). */
function decode(frame: Uint8Array | null): ServerToBrowser {
  if (!frame) throw new Error('no frame');
  const parsed = decodeLiveFrame(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

/** [agentId, targetId, at, rtt] per cell, sorted. */
function cellsOf(cells: LiveCells): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < cells.records.length; i += 4) {
    const [agentId, targetId, rtt, age] = cells.records.subarray(i, i + 4);
    out.push([agentId, targetId, cells.serverNow - age, rtt]);
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/**
 * The live feed against the real services of a running server (real SQLite file): a second
 * LiveFeedService, built here, hears the same commits and changes as the one the gateway uses and
 * is driven by hand (the gateway's own drains its changes every second).
 */
describe(`${LiveFeedService.name} (real services, real SQLite file)`, () => {
  let server: TestServer;
  let feed: LiveFeedService;
  let monitoring: MonitoringService;
  let targets: TargetsService;
  let agentId: number;
  /** The targets the first test adds (the server starts with its own, loopback ones). */
  let t1: number;
  let t2: number;
  let now: number;
  let seq = 0;

  const ingest = (rows: [number, number, number][]) =>
    monitoring.ingest(agentId, { seq: ++seq, base: now, target: rows.map((r) => r[0]), dt: rows.map((r) => r[1]), rtt: rows.map((r) => r[2]) });

  beforeAll(async () => {
    server = await startTestServer();
    const agents = server.app.get(AgentsService);
    targets = server.app.get(TargetsService);
    monitoring = server.app.get(MonitoringService);
    feed = new LiveFeedService(agents, targets, server.app.get(SettingsService), monitoring, server.app.get<Clock>(CLOCK));
    feed.onModuleInit();
    agentId = (await agents.connectLocal({ hostname: 'feed-agent', version: '0.1.0', addresses: [] }, '127.0.0.1')).id;
    now = server.app.get<Clock>(CLOCK).now() - 60_000;
  });

  afterAll(() => server.stop());

  it('sends a layout once per change of agents, targets or thresholds, each with the next seq', async () => {
    // The agent connected after the feed started: one layout is due.
    const first = JSON.parse(await (feed.nextLayout() as Promise<string>));
    const before = targets.views().length;
    expect(first).toMatchObject({ type: 'layout', seq: 1, layout: { agents: [{ id: agentId, hostname: 'feed-agent', online: true, local: true }] } });
    expect(first.layout.targets).toHaveLength(before);
    expect(feed.nextLayout()).toBeNull();
    t1 = (await targets.create({ address: '192.0.2.1', name: 'one' }, ADMIN, null)).id;
    t2 = (await targets.create({ address: '192.0.2.2', name: 'two', group: 'lab', latencyThresholdMs: 20 }, ADMIN, null)).id;
    const second = JSON.parse(await (feed.nextLayout() as Promise<string>));
    expect(second.seq).toBe(2);
    expect(second.layout.targets.slice(before)).toEqual([
      { id: t1, address: '192.0.2.1', name: 'one', group: null, latencyThresholdMs: null, dormantSince: null },
      { id: t2, address: '192.0.2.2', name: 'two', group: 'lab', latencyThresholdMs: 20, dormantSince: null },
    ]);
    expect(feed.nextLayout()).toBeNull();
    await server.app.get(SettingsService).update({ latencyThresholdMs: 42 }, ADMIN, null);
    expect(JSON.parse(await (feed.nextLayout() as Promise<string>))).toMatchObject({ seq: 3, layout: { latencyThresholdMs: 42 } });
  });

  it('sends the newest sample of each cell that got samples since the previous delta, once; forgets them when nobody watches', async () => {
    expect(feed.nextDelta(true)).toBeNull();
    await ingest([[t1, 0, 100], [t1, 5_000, 200], [t2, 0, RttCode.NO_REPLY]]);
    const delta = decode(feed.nextDelta(true));
    expect(delta).toMatchObject({ type: 'delta', seq: 4 });
    expect(cellsOf((delta as { cells: LiveCells }).cells)).toEqual([
      [agentId, t1, now + 5_000, 200],
      [agentId, t2, now, RttCode.NO_REPLY],
    ]);
    expect(feed.nextDelta(true)).toBeNull();

    // A resent batch stores nothing new: no delta.
    await ingest([[t1, 5_000, 200]]);
    expect(feed.nextDelta(true)).toBeNull();

    // Nobody watching: the changes are dropped, and not sent later either; seq does not move.
    await ingest([[t2, 5_000, 300]]);
    expect(feed.nextDelta(false)).toBeNull();
    expect(feed.nextDelta(true)).toBeNull();
    await ingest([[t2, 10_000, 400]]);
    const next = decode(feed.nextDelta(true));
    expect(next.type === 'delta' && next.seq).toBe(5);
    expect(cellsOf((next as { cells: LiveCells }).cells)).toEqual([[agentId, t2, now + 10_000, 400]]);
  });

  it('snapshots the layout and every cell at the current seq, so the next delta follows it', async () => {
    const snapshot = decode(await feed.snapshot());
    expect(snapshot).toMatchObject({ type: 'snapshot', seq: 5, layout: { latencyThresholdMs: 42, agents: [{ id: agentId }] } });
    expect(cellsOf((snapshot as { cells: LiveCells }).cells)).toEqual([
      [agentId, t1, now + 5_000, 200],
      [agentId, t2, now + 10_000, 400],
    ]);
    await ingest([[t1, 10_000, 500]]);
    expect(decode(feed.nextDelta(true))).toMatchObject({ type: 'delta', seq: 6 });
  });
});
