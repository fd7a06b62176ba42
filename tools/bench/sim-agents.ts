// Simulated agents for the ingest benchmark: a child process (bundled by esbuild from this file)
// that registers N agents with the join passphrase over real WebSockets (sealed registration, as
// the real agent does), waits for an admin to approve them, then streams results at the probe rate
// and counts what the server acknowledged. Commands and reports go over the IPC channel.
// `stream` (the fault tests) is the other mode: see sim-fleet.ts.
import { enrollmentKey, generateAgentKeyPair, newNonce, registrationProof, seal, type AgentKeyPair } from '@meshping/node-kit';
import { decodePassphrase, encodeResultsFrame, PROBE_INTERVAL_MS, PROTOCOL_VERSION, RESULT_FLUSH_INTERVAL_MS, RttCode, type Sample } from '@meshping/protocol';
import type WebSocket from 'ws';
import { Fleet, next, openAgentSocket } from './sim-fleet';

interface Agent {
  index: number;
  hostname: string;
  ws: WebSocket;
  keys: AgentKeyPair;
  /** The loopback address this agent connects from (one per agent: a fleet of hosts), or undefined. */
  localAddress: string | undefined;
  /** The SHA-256 fingerprint of the certificate the last connection presented (signed in a key login). */
  peerFingerprint: string;
  agentId: number;
  targets: number[];
  seq: number;
  /** seq -> [samples, sent at (ms)] */
  unacked: Map<number, [number, number]>;
  baseRtt: Float64Array;
  /** Where in each second this agent flushes (ms): a real agent's 1-s flush timer runs from its own start. */
  phase: number;
  /** The next second whose results it has not sent. */
  next: number;
}

const send = (m: unknown) => process.send?.(m);
const agents: Agent[] = [];
let acked = 0;
let offered = 0;
let skipped = 0;
/** Samples sent and not acknowledged yet, over all agents. */
let backlog = 0;
/** Send-to-ack times (ms) since the last `counts`. */
let ackTimes: number[] = [];
let timer: NodeJS.Timeout | null = null;
let fleet: Fleet | null = null;

async function register(url: string, passphrase: string, hostname: string, index: number, localAddress?: string): Promise<Agent> {
  const p = decodePassphrase(passphrase);
  if (!p) throw new Error('not a passphrase');
  const keys = generateAgentKeyPair();
  const { ws, fingerprint } = await openAgentSocket(url, localAddress);
  const ts = Date.now();
  const nonce = newNonce();
  const proof = registrationProof(keys.privateKeyPem, ts, nonce.toString('base64url'));
  const payload = JSON.stringify({ hostname, version: '0.1.0', addresses: ['192.0.2.1'], publicKey: keys.publicKey, proof });
  const pending = next(ws, (m) => m.type === 'pending');
  ws.send(JSON.stringify({ type: 'register', protocol: PROTOCOL_VERSION, ...seal(enrollmentKey(p.secret, p.fingerprint), payload, ts, nonce) }));
  const { agentId } = await pending;
  const agent: Agent = { index, hostname, ws, keys, localAddress, peerFingerprint: fingerprint, agentId, targets: [], seq: 0, unacked: new Map(), baseRtt: new Float64Array(0), phase: Math.floor(Math.random() * RESULT_FLUSH_INTERVAL_MS), next: 0 };
  ws.on('message', (data) => {
    if (fleet) return; // streaming: the fleet handles this agent's frames
    const m = JSON.parse(data.toString());
    if (m.type === 'targets') {
      agent.targets = m.targets.map((t: { id: number }) => t.id);
      // Each path has its own typical RTT (0.2-80 ms, log-uniform).
      agent.baseRtt = Float64Array.from(agent.targets, () => 200 * Math.exp(Math.random() * Math.log(400)));
    } else if (m.type === 'ack') {
      const sent = agent.unacked.get(m.seq);
      if (!sent) return;
      acked += sent[0];
      backlog -= sent[0];
      ackTimes.push(performance.now() - sent[1]);
      agent.unacked.delete(m.seq);
    }
  });
  return agent;
}

/** One flush of an agent: the targets whose probe falls in this second of the 5-s round. */
function tick(a: Agent, round: number, part: number, parts: number, maxUnacked: number): void {
  const n = a.targets.length;
  const samples: Sample[] = [];
  for (let i = part; i < n; i += parts) {
    const at = round * PROBE_INTERVAL_MS + Math.floor((i * PROBE_INTERVAL_MS) / n) + (a.index % 7);
    const r = Math.random();
    const rtt = r < 0.005 ? RttCode.NO_REPLY : Math.round(a.baseRtt[i] * (1 + (Math.random() - 0.5) * 0.1) + (r > 0.99 ? a.baseRtt[i] : 0));
    samples.push({ targetId: a.targets[i], at, rtt });
  }
  offered += samples.length;
  if (a.unacked.size >= maxUnacked) {
    skipped += samples.length; // the server is behind: a real agent would buffer these
    return;
  }
  const seq = a.seq++;
  a.unacked.set(seq, [samples.length, performance.now()]);
  backlog += samples.length;
  a.ws.send(encodeResultsFrame(seq, samples)); // as the real agent sends them (protocol 2)
}

process.on('message', async (cmd: any) => {
  try {
    if (cmd.type === 'register') {
      // `source`: e.g. "127.10": agent i connects from 127.10.<i / 256>.<i % 256>, each from its own address.
      for (let i = 0; i < cmd.count; i++) agents.push(await register(cmd.url, cmd.passphrase, `${cmd.prefix}-${i}`, i, cmd.source && `${cmd.source}.${i >> 8}.${i & 255}`));
      send({ type: 'registered', agentIds: agents.map((a) => a.agentId) });
    } else if (cmd.type === 'await-approval') {
      await Promise.all(agents.map((a) => (a.targets.length ? null : next(a.ws, (m) => m.type === 'targets'))));
      await new Promise((r) => setTimeout(r, 100));
      send({ type: 'ready', targets: agents[0]?.targets.length ?? 0 });
    } else if (cmd.type === 'start') {
      const parts = PROBE_INTERVAL_MS / RESULT_FLUSH_INTERVAL_MS;
      for (const a of agents) a.next = Math.floor((Date.now() - a.phase) / RESULT_FLUSH_INTERVAL_MS);
      // Each agent sends second k's results at its own phase in second k + 1.
      timer = setInterval(() => {
        const now = Date.now();
        for (const a of agents) {
          const due = Math.floor((now - a.phase) / RESULT_FLUSH_INTERVAL_MS);
          for (; a.next < due; a.next++) tick(a, Math.floor(a.next / parts), a.next % parts, parts, cmd.maxUnacked ?? 20);
        }
      }, 10);
      send({ type: 'started' });
    } else if (cmd.type === 'stream') {
      fleet = new Fleet(agents, cmd.url);
      fleet.start();
      send({ type: 'streaming' });
    } else if (cmd.type === 'stream-stop') {
      fleet?.stop(); // no new rounds, no reconnects; open connections still receive their acks
      send({ type: 'stream-stopped' });
    } else if (cmd.type === 'fleet-status') {
      send({ type: 'fleet-status', ...fleet?.status() });
    } else if (cmd.type === 'acked') {
      send({ type: 'acked', samples: fleet?.takeAcked() ?? [] });
    } else if (cmd.type === 'counts') {
      send({ type: 'counts', acked, offered, skipped, backlog, ackTimes: ackTimes.map(Math.round) });
      ackTimes = [];
    } else if (cmd.type === 'stop') {
      if (timer) clearInterval(timer);
      fleet?.stop();
      await new Promise((r) => setTimeout(r, 2000)); // the last acks
      send({ type: 'stopped', acked, offered, skipped });
      for (const a of agents) a.ws.close();
      setTimeout(() => process.exit(0), 200);
    }
  } catch (err) {
    send({ type: 'failed', error: String((err as Error)?.stack ?? err) });
  }
});
// The bench gone (finished, failed or killed): so are its simulated agents, never left behind.
process.on('disconnect', () => process.exit(0));
send({ type: 'hello' });
