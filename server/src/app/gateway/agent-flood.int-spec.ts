import { encodeResultsFrame, PROBE_INTERVAL_MS, PROTOCOL_VERSION } from '@meshping/protocol';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { AGENT_SOCKET_LIMITS } from '../../infra/ws/connection-limiter';
import { LOG_THROTTLE_INTERVAL_MS } from '../../infra/ws/log-throttle';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { AgentGateway } from './agent.gateway';

const SOURCES = 20;
const PER_SOURCE = 10;
const FRAMES = 500;

/** Opens a raw socket to /agent from `source`; resolves with it, or with the HTTP status that refused it. */
function open(url: string, source: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { localAddress: source });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    socket.once('error', (err) => (socket.readyState === WebSocket.CLOSED ? undefined : reject(err)));
  });
}

/** The flooding clients, in a child process: SOURCES addresses x PER_SOURCE sockets x FRAMES bad frames; resolves with the close codes. */
const FLOOD = `
const WebSocket = require('ws');
const [url, sources, perSource, frames] = process.argv.slice(1);
const codes = [];
const one = (source, c) => new Promise((resolve) => {
  const socket = new WebSocket(url, { localAddress: source });
  socket.on('error', () => undefined);
  socket.once('unexpected-response', (_req, res) => { codes.push(res.statusCode); resolve(); });
  socket.once('close', (code) => { codes.push(code); resolve(); });
  socket.once('open', () => {
    // Every third socket starts with a frame past the 16-KiB limit of unauthenticated frames.
    if (c % 3 === 2) socket.send('x'.repeat(64 * 1024));
    for (let i = 0; i < Number(frames); i++) socket.send(i % 2 ? '{"type":"hello","protocol":' + i : Buffer.from([i & 0xff, 1, 2]));
  });
});
const all = [];
for (let s = 0; s < Number(sources); s++) for (let c = 0; c < Number(perSource); c++) all.push(one('127.0.1.' + (s + 1), c));
Promise.all(all).then(() => process.stdout.write(JSON.stringify(codes)));
`;

function flood(url: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', FLOOD, url, String(SOURCES), String(PER_SOURCE), String(FRAMES)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`flood exited with ${code}`))));
  });
}

const closed = (socket: WebSocket) => new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

describe(`${AgentGateway.name} under an unauthenticated flood (real server, real ws, 127.0.x.y sources)`, () => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer();
    url = `${server.url.replace('http', 'ws')}/agent`;
  });
  afterAll(() => server.stop());

  it(`closes ${SOURCES * PER_SOURCE} sockets sending ${FRAMES} bad frames each at their first frame, logs a bounded number of lines, and keeps serving a good agent and /api/health`, async () => {
    const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    const good = await TestClient.connect(url);
    good.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'good', version: '1', addresses: [] }, auth: { kind: 'local-token', token } });
    const { targets } = await good.next((m) => m.type === 'targets');
    const linesBefore = server.logger.lines.length;

    let running = true;
    let healthOk = 0;
    let healthOther = 0;
    const health = (async () => {
      while (running) {
        if ((await fetch(`${server.url}/api/health`)).status === 200) healthOk++;
        else healthOther++;
      }
    })();
    let acked = 0;
    const firstAt = Date.now() - 30 * 60_000;
    const delivering = (async () => {
      for (let seq = 1; running || seq <= 20; seq++) {
        good.send(encodeResultsFrame(seq, [{ targetId: targets[0].id, at: firstAt + seq * PROBE_INTERVAL_MS, rtt: 700 }]));
        await good.next((m) => m.type === 'ack' && m.seq === seq);
        acked++;
      }
    })();

    const floodStart = Date.now();
    // The flood runs in another process (as an attacker's would): sending 100,000 frames from
    // this one would stall the event loop the server shares with the test.
    const codes: number[] = await flood(url);
    running = false;
    await Promise.all([health, delivering]);

    expect(codes).toHaveLength(SOURCES * PER_SOURCE);
    // 4402: the first frame was not a handshake step; 1009: the first frame was too big for one.
    expect(new Set(codes)).toEqual(new Set([4402, 1009]));
    expect(codes.filter((c) => c === 1009)).toHaveLength(SOURCES * Math.floor(PER_SOURCE / 3));
    expect(good.closed).toBeNull();
    expect(acked).toBeGreaterThanOrEqual(20);
    expect(healthOther).toBe(0);
    expect(healthOk).toBeGreaterThan(0);
    // 100,000 bad frames: per source and event at most one line in each 10-s interval the flood
    // touched, plus one that counts its repeats when it ends; never one per frame. Two events
    // (handshake-refused, ws.client-error for the oversized frames).
    const intervals = Math.floor((Date.now() - floodStart) / LOG_THROTTLE_INTERVAL_MS) + 1;
    const folded = server.logger.lines.slice(linesBefore).filter((l) => /handshake-refused|ws\.client-error|bad-frame/.test(l));
    expect(folded.length).toBeLessThanOrEqual(2 * 2 * SOURCES * intervals);
    expect(folded.length).toBeLessThan(SOURCES * PER_SOURCE); // not even one per socket
    expect(folded.every((l) => !l.includes('    at '))).toBe(true); // no stack traces
    // Every slot comes back once the server has seen the TCP closes.
    const limiter = server.app.get(AgentGateway).limiter;
    while (limiter.count('127.0.1.1').unauthenticatedAll > 0) await new Promise((r) => setTimeout(r, 10));
    expect(limiter.count('127.0.1.1')).toEqual({ unauthenticated: 0, total: 0, unauthenticatedAll: 0 });
  }, 60_000);

  it(`refuses connection ${AGENT_SOCKET_LIMITS.unauthenticatedPerAddress + 1} from one address while ${AGENT_SOCKET_LIMITS.unauthenticatedPerAddress} wait unauthenticated (429), and takes one again when a slot frees`, async () => {
    const source = '127.0.2.1';
    const sockets: WebSocket[] = [];
    for (let i = 0; i < AGENT_SOCKET_LIMITS.unauthenticatedPerAddress; i++) {
      const s = await open(url, source);
      if (typeof s === 'number') throw new Error(`connection ${i + 1} refused with ${s}`);
      sockets.push(s);
    }
    expect(await open(url, source)).toBe(429);
    // Another address is not affected.
    const other = await open(url, '127.0.2.2');
    expect(other).toBeInstanceOf(WebSocket);
    (other as WebSocket).close();
    const first = sockets.shift() as WebSocket;
    const gone = closed(first);
    first.terminate();
    await gone;
    const limiter = server.app.get(AgentGateway).limiter;
    while (limiter.count(source).unauthenticated >= AGENT_SOCKET_LIMITS.unauthenticatedPerAddress) await new Promise((r) => setTimeout(r, 10)); // the server sees the TCP close
    const again = await open(url, source);
    expect(again).toBeInstanceOf(WebSocket);
    sockets.push(again as WebSocket);
    await Promise.all(sockets.map((s) => (s.terminate(), closed(s))));
    const refused = server.logger.lines.filter((l) => l.includes('agent.connection-refused') && l.includes(source));
    expect(refused).toHaveLength(1);
  });

  it('counts an agent that authenticated against its address total only, never against the unauthenticated limit', async () => {
    const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    const limiter = server.app.get(AgentGateway).limiter;
    const agent = await TestClient.connect(url, {}, '127.0.3.1');
    expect(limiter.count('127.0.3.1')).toMatchObject({ unauthenticated: 1, total: 1 });
    agent.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'nat', version: '1', addresses: [] }, auth: { kind: 'local-token', token } });
    await agent.next((m) => m.type === 'welcome');
    expect(limiter.count('127.0.3.1')).toMatchObject({ unauthenticated: 0, total: 1 });
    agent.close();
    await agent.waitClosed();
    while (limiter.count('127.0.3.1').total > 0) await new Promise((r) => setTimeout(r, 10));
  });
});
