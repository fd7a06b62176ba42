import { encodeResults, PROBE_INTERVAL_MS, RttCode, type Sample } from '@meshping/protocol';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../testing/api-client';
import { connectLocalAgent } from '../../testing/test-agent';
import { startTestServer, type TestServer } from '../../testing/test-server';
import type { TestClient } from '../../testing/ws-client';
import { MetricsService } from './metrics.service';

// The Debian package `prometheus` (tools/test.sh and .ci/run install it).
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A real Prometheus scrapes the real server with a metrics:read token; its query API answers what it stored. */
describe(`${MetricsService.name} scraped by a real Prometheus`, () => {
  let server: TestServer;
  let agent: TestClient;
  let targets: number[];
  let agentId: number;
  let token: string;
  let admin: ApiClient;
  let prometheus: ChildProcess | null = null;
  let promUrl: string;
  let promLog = '';
  const dir = mkdtempSync(join(tmpdir(), 'meshping-prometheus-'));

  const scrape = () => new ApiClient(server.url).send<string>('GET', '/api/metrics', undefined, { authorization: `Bearer ${token}` });

  async function query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: PromSample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
    return body.data.result;
  }

  /** Queries until Prometheus has a result for it (a scrape every second), at most 30 s. */
  async function queryUntil(promql: string, ok: (r: PromSample[]) => boolean = (r) => r.length > 0): Promise<PromSample[]> {
    let result: PromSample[] = [];
    for (let i = 0; i < 150; i++) {
      result = await query(promql);
      if (ok(result)) return result;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no answer to ${promql} within 30 s (last: ${JSON.stringify(result)}); Prometheus said: ${promLog.slice(-2000)}`);
  }

  beforeAll(async () => {
    server = await startTestServer({ MESHPING_METRICS_PAIR_SERIES: 'true' });
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    token = (await admin.post('/api/tokens', { name: 'prometheus', scopes: ['metrics:read'] })).body.token;
    ({ link: agent, agentId, targets } = await connectLocalAgent(server.url, server.dataDir, 'probe-a'));
    // Through the real ws link: target 0, 10 replies of 700 µs and 2 lost; target 1, 4 replies of 30 ms.
    const from = Math.floor((Date.now() - 120_000) / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS;
    const samples: Sample[] = [
      ...Array.from({ length: 12 }, (_, i) => ({ targetId: targets[0], at: from + i * PROBE_INTERVAL_MS, rtt: i < 10 ? 700 : RttCode.NO_REPLY })),
      ...Array.from({ length: 4 }, (_, i) => ({ targetId: targets[1], at: from + i * PROBE_INTERVAL_MS, rtt: 30_000 })),
    ];
    agent.send(encodeResults(0, samples));
    await agent.next((m) => m.type === 'ack' && m.seq === 0);

    writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: meshping',
        '    metrics_path: /api/metrics',
        '    authorization:',
        `      credentials_file: ${join(dir, 'token')}`,
        '    static_configs:',
        `      - targets: ['${new URL(server.url).host}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (d) => (promLog += d));
    prometheus.stderr?.on('data', (d) => (promLog += d));
    for (let i = 0; ; i++) {
      const ready = await fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      if (i > 150 || prometheus.exitCode !== null) throw new Error(`Prometheus did not start: ${promLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 60_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    agent?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the Prometheus text format that promtool finds no problem in', async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: res.body, encoding: 'utf8' });
    expect({ status: check.status, out: check.stdout + check.stderr }).toEqual({ status: 0, out: '' });
    // The same text with a counter misnamed: promtool does report problems (the check above is not vacuous).
    const broken = res.body.replace(/meshping_target_requests_total/g, 'meshping_target_requests');
    const bad = spawnSync(PROMTOOL, ['check', 'metrics'], { input: broken, encoding: 'utf8' });
    expect(bad.stdout + bad.stderr).toContain('meshping_target_requests');
  });

  it('is scraped with the bearer token from credentials_file, and what Prometheus stores is what was ingested', async () => {
    const [up] = await queryUntil('up{job="meshping"}', (r) => r[0]?.value[1] === '1');
    expect(up.value[1]).toBe('1');
    const t0 = `target_id="${targets[0]}"`;
    const [count] = await queryUntil(`meshping_target_rtt_seconds_count{${t0}}`);
    // target_name="" (a target without a name): an empty label is no label to Prometheus.
    expect(count.metric).toMatchObject({ target: '127.0.0.1' });
    expect(count.metric).not.toHaveProperty('target_name');
    expect(count.value[1]).toBe('10');
    expect((await query(`meshping_target_requests_total{${t0}}`))[0].value[1]).toBe('12');
    expect(Number((await query(`meshping_target_loss_ratio{${t0}}`))[0].value[1])).toBeCloseTo(2 / 12, 10);
    // 700 µs lies in (0.4 ms, 0.8 ms]: Prometheus interpolates the median inside that bucket.
    const median = Number((await query(`histogram_quantile(0.5, meshping_target_rtt_seconds_bucket{${t0}})`))[0].value[1]);
    expect(median).toBeGreaterThan(0.0004);
    expect(median).toBeLessThanOrEqual(0.0008);
    const agentCount = await query(`meshping_agent_rtt_seconds_count{agent_id="${agentId}"}`);
    expect(agentCount).toEqual([expect.objectContaining({ metric: expect.objectContaining({ agent: 'probe-a' }), value: [expect.any(Number), '14'] })]);
    expect(Number((await query(`meshping_agent_rtt_seconds_sum{agent_id="${agentId}"}`))[0].value[1])).toBeCloseTo(10 * 0.0007 + 4 * 0.03, 9);
    const pair = await query(`meshping_pair_rtt_seconds_count{agent_id="${agentId}",target_id="${targets[1]}"}`);
    expect(pair.map((s) => s.value[1])).toEqual(['4']);
    expect((await query('meshping_pair_series'))[0].value[1]).toBe('2');
    expect((await query('meshping_agents_online'))[0].value[1]).toBe('1');
    expect((await query('meshping_agents{state="approved"}'))[0].value[1]).toBe('1');
    expect((await query('meshping_samples_ingested_total'))[0].value[1]).toBe('16');
    const [build] = await query('meshping_build_info');
    expect(build.metric).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/), node: process.version });
    expect(Number((await query('process_resident_memory_bytes'))[0].value[1])).toBeGreaterThan(10e6);
    // prom-client's default metrics, GC included: the server's collections since it started.
    const gcs = await queryUntil('sum(nodejs_gc_duration_seconds_count)', (r) => Number(r[0]?.value[1]) > 0);
    expect(Number(gcs[0].value[1])).toBeGreaterThan(0);
  });

  it("stops exposing a target's series once it is deleted", async () => {
    expect((await admin.delete(`/api/targets/${targets[1]}`)).status).toBe(204);
    const text = (await scrape()).body;
    expect(text).not.toContain(`target_id="${targets[1]}"`);
    expect(text).toContain(`target_id="${targets[0]}"`);
    // Prometheus sees it go too: the series is marked stale at the next scrape.
    await queryUntil(`meshping_target_rtt_seconds_count{target_id="${targets[1]}"}`, (r) => r.length === 0);
    expect((await query(`meshping_target_rtt_seconds_count{target_id="${targets[0]}"}`))[0].value[1]).toBe('10');
  });
});
