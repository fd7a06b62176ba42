// The streaming mode of the simulated agents (sim-agents.ts `stream`), for the fault tests: each
// agent sends one results batch per 5-s round (all its targets), keeps every batch until the server
// acknowledges it, and when its connection ends reconnects by key (hello, challenge, signature)
// after the real agent's back-off (reconnectDelayMs) and resends what is unacknowledged, as the real
// agent's buffer does. What was acknowledged is reported sample by sample, so a test can check the
// database for each of them.
import { signChallenge, type AgentKeyPair } from '@meshping/node-kit';
import { encodeResultsFrame, PROBE_INTERVAL_MS, PROTOCOL_VERSION, reconnectDelayMs, type Sample } from '@meshping/protocol';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';

export interface FleetAgent {
  index: number;
  hostname: string;
  agentId: number;
  keys: AgentKeyPair;
  localAddress: string | undefined;
  peerFingerprint: string;
  ws: WebSocket;
  targets: number[];
}

interface State {
  agent: FleetAgent;
  ready: boolean;
  seq: number;
  /** seq -> [frame, flat (targetId, at) pairs] */
  pending: Map<number, [Uint8Array, number[]]>;
  attempt: number;
  /** Failed attempts in the current (or last) outage. */
  outageAttempts: number;
  lastWelcome: number;
  /** When the last connection attempt began, and how long the last successful one took to its welcome (ms). */
  attemptAt: number;
  loginMs: number;
  lastRound: number;
  phase: number;
  timer: NodeJS.Timeout | null;
}

/** Resolves with the first message on `ws` that `match` accepts (a fatal error rejects). */
export function next(ws: WebSocket, match: (m: any) => boolean): Promise<any> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'error' && m.fatal) reject(new Error(m.message));
      if (match(m)) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
  });
}

/** A WebSocket to the server's agent path, from `localAddress` if given, with the fingerprint of the certificate it presented. */
export async function openAgentSocket(url: string, localAddress: string | undefined): Promise<{ ws: WebSocket; fingerprint: string }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/agent`, { rejectUnauthorized: false, localAddress }); // self-signed; the passphrase pins it
  let fingerprint = '';
  ws.once('upgrade', (res) => (fingerprint = (res.socket as TLSSocket).getPeerCertificate?.()?.fingerprint256 ?? ''));
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  return { ws, fingerprint };
}

export class Fleet {
  private readonly states: State[];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Flat (agentId, targetId, at) triples acknowledged since the last takeAcked(). */
  private acked: number[] = [];
  private ackedTotal = 0;
  private rejected = 0;
  private closes = 0;

  constructor(
    agents: FleetAgent[],
    private readonly url: string,
  ) {
    this.states = agents.map((agent) => ({
      agent,
      ready: true, // registered, approved and given its targets already
      seq: 1_000_000, // above the seqs of any earlier mode
      pending: new Map(),
      attempt: 0,
      outageAttempts: 0,
      lastWelcome: 0,
      attemptAt: 0,
      loginMs: 0,
      lastRound: Math.floor(Date.now() / PROBE_INTERVAL_MS),
      phase: Math.floor(Math.random() * PROBE_INTERVAL_MS),
      timer: null,
    }));
  }

  start(): void {
    for (const st of this.states) this.attach(st, st.agent.ws);
    this.timer = setInterval(() => this.tick(), 100);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const st of this.states) if (st.timer) clearTimeout(st.timer);
  }

  status() {
    let pendingBatches = 0;
    for (const st of this.states) pendingBatches += st.pending.size;
    return {
      agents: this.states.length,
      ready: this.states.filter((s) => s.ready).length,
      pendingBatches,
      ackedTotal: this.ackedTotal,
      rejected: this.rejected,
      closes: this.closes,
      lastWelcomes: this.states.map((s) => s.lastWelcome),
      outageAttempts: this.states.map((s) => s.outageAttempts),
      loginMs: this.states.map((s) => s.loginMs),
    };
  }

  takeAcked(): number[] {
    const out = this.acked;
    this.acked = [];
    return out;
  }

  /** Each agent makes round r's batch at its own phase within round r + 1 (all its targets, one sample each). */
  private tick(): void {
    const now = Date.now();
    for (const st of this.states) {
      const due = Math.floor((now - st.phase) / PROBE_INTERVAL_MS) - 1;
      for (; st.lastRound < due; ) {
        const round = ++st.lastRound;
        const { targets, index } = st.agent;
        const samples: Sample[] = targets.map((targetId, i) => ({ targetId, at: round * PROBE_INTERVAL_MS + Math.floor((i * PROBE_INTERVAL_MS) / targets.length) + (index % 7), rtt: 300 + ((round + i) % 500) }));
        if (!samples.length) continue;
        const seq = st.seq++;
        const frame = encodeResultsFrame(seq, samples);
        st.pending.set(seq, [frame, samples.flatMap((s) => [s.targetId, s.at])]);
        if (st.ready) st.agent.ws.send(frame);
      }
    }
  }

  private attach(st: State, ws: WebSocket): void {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'ack') {
        const p = st.pending.get(m.seq);
        if (!p) return;
        st.pending.delete(m.seq);
        for (let i = 0; i < p[1].length; i += 2) this.acked.push(st.agent.agentId, p[1][i], p[1][i + 1]);
        this.ackedTotal += p[1].length / 2;
      } else if (m.type === 'error' && m.code === 'batch-rejected') {
        this.rejected++;
      } else if (m.type === 'targets') {
        st.agent.targets = m.targets.map((t: { id: number }) => t.id);
      } else if (m.type === 'challenge') {
        ws.send(JSON.stringify({ type: 'challenge-response', signature: signChallenge(st.agent.keys.privateKeyPem, m.nonce, st.agent.peerFingerprint) }));
      } else if (m.type === 'welcome') {
        st.ready = true;
        st.attempt = 0;
        st.lastWelcome = Date.now();
        st.loginMs = st.lastWelcome - st.attemptAt;
        for (const [frame] of [...st.pending.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p)) ws.send(frame);
      }
    });
    ws.on('error', () => undefined); // a close follows
    ws.on('close', () => {
      if (st.agent.ws !== ws) return;
      this.closes++;
      if (st.ready) st.outageAttempts = 0;
      st.ready = false;
      if (this.stopped) return;
      st.timer = setTimeout(() => this.reconnect(st), reconnectDelayMs(st.attempt++));
    });
  }

  /** A key login, as the real agent's after its first approval. A failure ends in `close`, which schedules the next attempt. */
  private reconnect(st: State): void {
    st.outageAttempts++;
    st.attemptAt = Date.now();
    // The real agent's handshake timeout: a server that accepts TCP but does not answer (stopping, starting) is retried.
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}/agent`, { rejectUnauthorized: false, localAddress: st.agent.localAddress, handshakeTimeout: 10_000 });
    st.agent.ws = ws;
    ws.once('upgrade', (res) => (st.agent.peerFingerprint = (res.socket as TLSSocket).getPeerCertificate?.()?.fingerprint256 ?? ''));
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: st.agent.hostname, version: '0.1.0', addresses: [] }, auth: { kind: 'key', publicKey: st.agent.keys.publicKey } })),
    );
    this.attach(st, ws);
  }
}
