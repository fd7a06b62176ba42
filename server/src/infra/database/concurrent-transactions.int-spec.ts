import { encodeResults, PROBE_INTERVAL_MS, PROTOCOL_VERSION, type Sample } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MonitoringService } from '../../app/monitoring/monitoring.service';
import { ApiClient, type ApiResponse } from '../../testing/api-client';
import { readStoredSamples } from '../../testing/stored-samples';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { LOCAL_TOKEN_FILE } from '../local-trust/local-trust.service';
import { DATABASE_FILE } from './database.module';
import { SerialisedSqliteQueryRunner } from './serialised-sqlite';

/** Issue #13 follow-up: concurrent transactions interleaved on TypeORM's one shared sqlite query runner (500s). */
describe(SerialisedSqliteQueryRunner.name, () => {
  let server: TestServer;
  let admin: ApiClient;
  let agent: TestClient;
  let targetId: number;

  beforeAll(async () => {
    server = await startTestServer();
    admin = new ApiClient(server.url);
    await admin.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password: 'admin password 1' });
    agent = await TestClient.connect(`${server.url.replace('http', 'ws')}/agent`);
    const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    agent.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'a1', version: '0.1.0', addresses: [] }, auth: { kind: 'local-token', token } });
    await agent.next((m) => m.type === 'welcome');
    targetId = (await agent.next((m) => m.type === 'targets')).targets[0].id;
  });

  afterAll(async () => {
    agent.close();
    await server.stop();
  });

  it('concurrent admin writes while an agent delivers: no 500, each write whole or absent, every acked sample stored once', async () => {
    const answers: [string, ApiResponse][] = [];
    const acked: Sample[] = [];
    const start = Math.floor((Date.now() - 30 * 60_000) / PROBE_INTERVAL_MS) * PROBE_INTERVAL_MS;
    let seq = 0;
    const deliver = async (round: number) => {
      for (let i = 0; i < 8; i++) {
        const samples: Sample[] = [{ targetId, at: start + (round * 8 + i) * PROBE_INTERVAL_MS, rtt: 1000 + round * 8 + i }];
        const s = seq++;
        agent.send(encodeResults(s, samples));
        await agent.next((m) => m.type === 'ack' && m.seq === s);
        acked.push(...samples);
      }
    };
    const created = new Map<string, number>();
    for (let round = 0; round < 5; round++) {
      const writes: Promise<unknown>[] = [deliver(round)];
      for (let i = 0; i < 40; i++) {
        const n = round * 40 + i;
        const run = async (label: string, p: Promise<ApiResponse>) => {
          const res = await p;
          answers.push([label, res]);
          return res;
        };
        if (i % 4 === 0) writes.push(run('settings', admin.patch('/api/settings', { latencyThresholdMs: 50 + (n % 50), retentionHours: 24 + (n % 24) })));
        else if (i % 4 === 1) writes.push(run('user', admin.post('/api/users', { username: `user${n}`, password: `user password ${n}`, role: 'viewer' })));
        else {
          const address = `192.0.2.${(n % 250) + 1}`;
          writes.push(
            (async () => {
              const res = await run('target.create', admin.post('/api/targets', { address, name: `t${n}` }));
              if (res.status !== 201) return;
              created.set(address, res.body.id);
              await run('target.edit', admin.patch(`/api/targets/${res.body.id}`, { name: `t${n} edited` }));
              if (i % 4 === 3) {
                await run('target.delete', admin.delete(`/api/targets/${res.body.id}`));
                created.delete(address);
              }
            })(),
          );
        }
      }
      await Promise.all(writes);
    }
    const failures = answers.filter(([, r]) => r.status >= 500 || r.status < 200).map(([l, r]) => `${l} ${r.status} ${JSON.stringify(r.body)}`);
    expect(failures).toEqual([]);
    // Every successful write is whole: each surviving target is listed with its edited name.
    const targets: { id: number; address: string; name: string }[] = (await admin.get('/api/targets')).body;
    for (const [address, id] of created) expect(targets.find((t) => t.id === id)).toMatchObject({ address, name: expect.stringMatching(/ edited$/) });
    const users: { username: string }[] = (await admin.get('/api/users')).body;
    const madeUsers = answers.filter(([l, r]) => l === 'user' && r.status === 201).length;
    expect(users.filter((u) => u.username.startsWith('user'))).toHaveLength(madeUsers);
    expect(madeUsers).toBe(50);
    await server.app.get(MonitoringService).compact();
    const stored = await readStoredSamples(join(server.dataDir, DATABASE_FILE));
    expect(stored.integrity).toBe('ok');
    expect(stored.duplicates).toEqual([]);
    expect(stored.all.map((r) => [r.target_id, r.at])).toEqual(acked.map((s) => [s.targetId, s.at]).sort((a, b) => a[1] - b[1]));
  }, 120_000);
});
