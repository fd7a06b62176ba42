import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ApiClient } from '../../testing/api-client';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { EventLoopWatchdog } from './event-loop-watchdog';

/** Blocks this thread, which is also the in-process server's. */
function busyFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* spin */
  }
}

const stallLines = (server: TestServer) => server.logger.lines.filter((l) => l.includes('"event":"event-loop.stall"')).map((l) => JSON.parse(l));

describe(`${EventLoopWatchdog.name} (real server, real worker thread)`, () => {
  let server: TestServer;
  let scrape: () => Promise<string>;
  let blockNextHealthCheck = false;

  beforeAll(async () => {
    // The health check's query can be made to block for 1.5 s: a spy of this test, not a hook in the app.
    const original = DataSource.prototype.query;
    jest.spyOn(DataSource.prototype, 'query').mockImplementation(function (this: DataSource, ...args: Parameters<DataSource['query']>) {
      if (blockNextHealthCheck && args[0] === 'SELECT 1') {
        blockNextHealthCheck = false;
        busyFor(1500);
      }
      return original.apply(this, args);
    });
    server = await startTestServer();
    const admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    const token = (await admin.post('/api/tokens', { name: 'prometheus', scopes: ['metrics:read'] })).body.token as string;
    scrape = async () => (await new ApiClient(server.url).send<string>('GET', '/api/metrics', undefined, { authorization: `Bearer ${token}` })).body;
  });
  afterAll(async () => {
    await server.stop();
    jest.restoreAllMocks();
  });

  it('logs and counts nothing while the loop runs freely', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect(stallLines(server)).toEqual([]);
    expect(await scrape()).toMatch(/^meshping_event_loop_stalls_total 0$/m);
  });

  it('logs a stall inside a request with its route, and counts it in /metrics', async () => {
    blockNextHealthCheck = true;
    expect((await new ApiClient(server.url).get('/api/health')).status).toBe(200);
    await waitFor(() => stallLines(server).length === 1);
    const [line] = stallLines(server);
    expect(line).toMatchObject({ event: 'event-loop.stall', activity: 'GET /api/health (HealthController.health)' });
    expect(line.durationMs).toBeGreaterThan(1000);
    const metrics = await scrape();
    expect(metrics).toMatch(/^meshping_event_loop_stalls_total 1$/m);
    expect(metrics).toMatch(/^meshping_event_loop_stall_seconds_bucket\{le="1"\} 0$/m);
    expect(metrics).toMatch(/^meshping_event_loop_stall_seconds_bucket\{le="\+Inf"\} 1$/m);
    expect(metrics).toMatch(/^meshping_event_loop_stall_seconds_count 1$/m);
    expect(Number(/^meshping_event_loop_stall_seconds_sum (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(1);
  });

  it('logs a stall outside any request as such', async () => {
    busyFor(1500);
    await waitFor(() => stallLines(server).length === 2);
    expect(stallLines(server)[1].activity).toMatch(/^none marked/);
    expect(await scrape()).toMatch(/^meshping_event_loop_stalls_total 2$/m);
  });
});

describe(`${EventLoopWatchdog.name}: the line written while the stall lasts`, () => {
  it('is in the log before the blocked thread runs again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshping-watchdog-'));
    const file = join(dir, 'log.jsonl');
    const fd = openSync(file, 'a');
    const watchdog = new EventLoopWatchdog();
    watchdog.writeLiveLinesTo(fd);
    watchdog.onModuleInit();
    try {
      await new Promise((r) => setTimeout(r, 300)); // the worker is up and has seen a beat
      const ticket = watchdog.mark('GET /api/pairs/:agentId/:targetId/stats (PairsController.stats)');
      busyFor(1500);
      // Read before yielding: nothing on this thread can have written it.
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      watchdog.done(ticket);
      expect(lines).toEqual([expect.objectContaining({ level: 'warn', event: 'event-loop.stalling', activity: 'GET /api/pairs/:agentId/:targetId/stats (PairsController.stats)' })]);
      expect(lines[0].stalledForMs).toBeGreaterThan(1000);
    } finally {
      await watchdog.onModuleDestroy();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(condition()).toBe(true);
}
