import { approveAgent, getEnrollment } from '@meshping/api-client';
import { enrollmentKey, generateAgentKeyPair, newNonce, registrationProof, seal, signChallenge, type AgentKeyPair } from '@meshping/node-kit';
import { decodePassphrase, encodeResults, PROBE_INTERVAL_MS, PROTOCOL_VERSION, RttCode, type ResultsBatch } from '@meshping/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
// The test inspects the database file a killed server left behind, so it reads it with the server's own
// codec and reader (white-box by design; its API calls go through the generated client as everywhere).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { rttToValue, valueToRtt } from '../../server/src/app/monitoring/storage/sample-codec';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { readStoredSamples } from '../../server/src/testing/stored-samples';
import { ApiSession } from './api';
import { MeshpingProcess } from './meshping-process';

const AGENTS = 100;
const TARGETS = 1000;
const BUCKET_MS = 5 * 60_000;

/** The built server alone (no local agent), TLS on with its generated certificate, on a free port. */
function startServer(dataDir: string): Promise<MeshpingProcess> {
  const targets = Array.from({ length: TARGETS }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`).join(',');
  return MeshpingProcess.start({ MESHPING_DATA_DIR: dataDir, MESHPING_INITIAL_TARGETS: targets, MESHPING_LOG_LEVEL: 'warn' }, 'dist/server/main.js');
}

interface SimAgent {
  keys: AgentKeyPair;
  agentId: number;
  ws: WebSocket;
  targets: number[];
  batches: Map<number, ResultsBatch>;
  acked: Set<number>;
}

function next(ws: WebSocket, match: (m: any) => boolean): Promise<any> {
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString());
      if (match(m)) {
        ws.off('message', on);
        resolve(m);
      }
    };
    ws.on('message', on);
  });
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/agent`, { rejectUnauthorized: false });
  await new Promise((ok, fail) => (ws.once('open', ok), ws.once('error', fail)));
  return ws;
}

function track(agent: SimAgent): void {
  agent.ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.type === 'ack') agent.acked.add(m.seq);
    if (m.type === 'targets') agent.targets = m.targets.map((t: { id: number }) => t.id);
  });
}

/**
 * The server is killed with SIGKILL while 100 agents stream results (and while it writes closed
 * buckets as chunks: the agents deliver a backlog that starts 20 minutes ago, as after an outage),
 * then restarted. The database must pass its integrity check, hold every acknowledged result, and
 * hold nothing twice, also after an agent resends everything it had sent.
 */
describe('Killing the server with SIGKILL during ingest', () => {
  let dataDir: string;
  let server: MeshpingProcess | null = null;
  const sockets: WebSocket[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'meshping-kill-'));
  });

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing acknowledged, stores nothing twice, and leaves an intact database', async () => {
    server = await startServer(dataDir);
    const { client } = await ApiSession.setUp(server, await server.setupCode());
    const { passphrase } = await getEnrollment({ client });
    const p = decodePassphrase(passphrase);
    if (!p) throw new Error('no passphrase');

    // 100 agents register with the passphrase and are approved, as real ones are.
    const agents: SimAgent[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const keys = generateAgentKeyPair();
      const ws = await open(server.url);
      sockets.push(ws);
      const ts = Date.now();
      const nonce = newNonce();
      const proof = registrationProof(keys.privateKeyPem, ts, nonce.toString('base64url'));
      const payload = JSON.stringify({ hostname: `kill-${i}`, version: '0.1.0', addresses: [], publicKey: keys.publicKey, proof });
      const pending = next(ws, (m) => m.type === 'pending');
      ws.send(JSON.stringify({ type: 'register', protocol: PROTOCOL_VERSION, ...seal(enrollmentKey(p.secret, p.fingerprint), payload, ts, nonce) }));
      const agent: SimAgent = { keys, agentId: (await pending).agentId, ws, targets: [], batches: new Map(), acked: new Set() };
      track(agent);
      agents.push(agent);
    }
    for (const a of agents) await approveAgent({ client, path: { id: a.agentId }, body: {} });
    for (const a of agents) while (a.targets.length < TARGETS) await new Promise((r) => setTimeout(r, 50));

    // A backlog from 20 minutes ago, 30 s before a bucket boundary: buckets close while it arrives.
    const first = Math.floor((Date.now() - 20 * 60_000) / BUCKET_MS) * BUCKET_MS + BUCKET_MS - 30_000;
    // L1: every second each agent sends the fifth of its targets probed in that second.
    let tick = 0;
    const killAt = Date.now() + 18_000;
    while (Date.now() < killAt) {
      const seq = tick;
      const at = first + Math.floor(tick / 5) * PROBE_INTERVAL_MS;
      for (const a of agents) {
        const samples = a.targets
          .map((targetId, i) => ({ targetId, at: at + i * 4, rtt: (seq + i) % 50 === 0 ? RttCode.NO_REPLY : 300 + ((seq * 7919 + i * 104_729) % 250_000) }))
          .filter((_, i) => i % 5 === tick % 5);
        const batch = encodeResults(seq, samples);
        a.batches.set(seq, batch);
        a.ws.send(JSON.stringify(batch));
      }
      tick++;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await server.kill();
    for (const ws of sockets.splice(0)) ws.terminate();

    const acked = agents.reduce((n, a) => n + [...a.acked].reduce((m, seq) => m + (a.batches.get(seq) as ResultsBatch).target.length, 0), 0);
    expect(acked).toBeGreaterThan(AGENTS * TARGETS); // the server was busy when it died

    // Restart on the same file: recovery merges the journal into chunks.
    server = await startServer(dataDir);
    const expectAllOnce = async () => {
      const stored = await readStoredSamples(join(dataDir, 'meshping.sqlite'));
      expect(stored.integrity).toBe('ok');
      expect(stored.duplicates).toEqual([]);
      const byKey = new Map(stored.all.map((r) => [`${r.agent_id}/${r.target_id}/${r.at}`, r.rtt]));
      let missing = 0;
      let wrong = 0;
      for (const a of agents) {
        for (const seq of a.acked) {
          const b = a.batches.get(seq) as ResultsBatch;
          b.target.forEach((t, i) => {
            const rtt = byKey.get(`${a.agentId}/${t}/${b.base + b.dt[i]}`);
            if (rtt === undefined) missing++;
            else if (rtt !== valueToRtt(rttToValue(b.rtt[i]))) wrong++;
          });
        }
      }
      expect({ missing, wrong }).toEqual({ missing: 0, wrong: 0 });
      return stored;
    };
    const afterRestart = await expectAllOnce();
    expect(afterRestart.journal).toEqual([]); // merged into chunks at start
    expect(afterRestart.chunks.length).toBeGreaterThanOrEqual(acked);

    // One agent logs in again by key and resends everything it ever sent, acknowledged or not.
    const a = agents[0];
    const ws = await open(server.url);
    sockets.push(ws);
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'kill-0', version: '0.1.0', addresses: [] }, auth: { kind: 'key', publicKey: a.keys.publicKey } }));
    const { nonce } = await next(ws, (m) => m.type === 'challenge');
    ws.send(JSON.stringify({ type: 'challenge-response', signature: signChallenge(a.keys.privateKeyPem, nonce, server.fingerprint ?? '') }));
    await next(ws, (m) => m.type === 'welcome');
    a.ws = ws;
    a.acked = new Set();
    track(a);
    for (const batch of a.batches.values()) ws.send(JSON.stringify(batch));
    while (a.acked.size < a.batches.size) await new Promise((r) => setTimeout(r, 50));
    for (const other of agents.slice(1)) other.acked.clear(); // checked above already

    await server.stop(); // SIGTERM: a clean shutdown (the data directory is ours, kept until afterAll)
    server = null;
    const final = await expectAllOnce();
    const sent = [...a.batches.values()].reduce((n, b) => n + b.target.length, 0);
    expect(final.all.filter((r) => r.agent_id === a.agentId)).toHaveLength(sent);
  }, 180_000);
});
