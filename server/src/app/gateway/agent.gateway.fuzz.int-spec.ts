import { encodeResults, encodeResultsFrame, parseResultsFrame, PROBE_INTERVAL_MS, PROTOCOL_VERSION } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DATABASE_FILE } from '../../infra/database/database.module';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { prng } from '../../testing/prng';
import { readStoredSamples } from '../../testing/stored-samples';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { AgentGateway } from './agent.gateway';

const count = async (file: string) => (await readStoredSamples(file)).all.length;

describe(`${AgentGateway.name} under fuzzing: thousands of malformed frames`, () => {
  let server: TestServer;

  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.stop());

  /** The server's own agent (local token), connected and approved; with its targets and the samples stored so far. */
  async function approvedAgent(): Promise<{ agent: TestClient; targets: { id: number }[]; before: number }> {
    const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
    const agent = await TestClient.connect(`${server.url.replace('http', 'ws')}/agent`);
    agent.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'good', version: '1', addresses: [] }, auth: { kind: 'local-token', token } });
    const { targets } = await agent.next((m) => m.type === 'targets');
    return { agent, targets, before: await count(join(server.dataDir, DATABASE_FILE)) };
  }

  it('answers or closes every bad socket, stores nothing from them, and keeps serving a good agent', async () => {
    const url = `${server.url.replace('http', 'ws')}/agent`;
    const { agent: good, targets, before } = await approvedAgent();

    const random = prng(20261122);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
    const valid = [
      JSON.stringify(encodeResults(1, [{ targetId: targets[0].id, at: Date.now(), rtt: 10 }])),
      JSON.stringify({ type: 'heartbeat', at: Date.now() }),
      JSON.stringify({ type: 'hello', protocol: 1, agent: { hostname: 'x', version: '1', addresses: [] }, auth: { kind: 'key', publicKey: 'A'.repeat(59) } }),
      JSON.stringify({ type: 'register', protocol: 1, ts: Date.now(), nonce: 'A'.repeat(16), sealed: 'B'.repeat(64) }),
    ];
    const mutate = (s: string): string | Buffer => {
      switch (Math.floor(random() * 8)) {
        case 0: { // flip characters
          const chars = [...s];
          for (let i = 0; i < 3; i++) chars[Math.floor(random() * chars.length)] = String.fromCharCode(32 + Math.floor(random() * 94));
          return chars.join('');
        }
        case 1: return s.slice(0, Math.floor(random() * s.length)); // truncated
        case 2: return s.replace(/\d+/g, () => pick(['-1', '1e309', '0.5', '"7"', 'null', '9007199254740993'])); // wrong numbers
        case 3: return s.replace(/"type":"\w+"/, `"type":"${pick(['ack', 'welcome', '__proto__', 'results ', ''])}"`); // unknown types
        case 4: return JSON.stringify({ ...JSON.parse(s), extra: 'x'.repeat(Math.floor(random() * 2000)) }); // unknown fields
        case 5: return Buffer.from(s); // binary frame
        case 6: return pick(['', 'null', '[]', '{}', '"results"', '{"type":"results","seq":0,"base":0,"target":[1],"dt":[0],"rtt":[1,2]}']);
        default: return JSON.stringify({ type: 'results', seq: 2, base: 0, target: Array(20).fill('1'), dt: [], rtt: [] });
      }
    };

    const firstAt = Date.now() - 80 * PROBE_INTERVAL_MS;
    let closed = 0;
    let answered = 0;
    let sent = 0;
    for (let conn = 0; conn < 80; conn++) {
      const socket = new WebSocket(url);
      await new Promise((r) => socket.once('open', r));
      let replies = 0;
      socket.on('message', () => replies++ || (answered += 1));
      const done = new Promise<void>((r) => socket.once('close', () => ((closed += 1), r())));
      // Half the connections also try a frame past the 1 MiB limit.
      for (let i = 0; i < 60 && socket.readyState === WebSocket.OPEN; i++, sent++) socket.send(mutate(pick(valid)));
      // Every fourth connection ends with a frame past the 1 MiB limit.
      if (conn % 4 === 3) socket.send('x'.repeat(1024 * 1024 + 10));
      // Meanwhile the good agent keeps working.
      // One probe per pair per 5-s interval, as the protocol has it (the store keeps one sample per interval slot).
      good.send(encodeResults(100 + conn, [{ targetId: targets[0].id, at: firstAt + conn * PROBE_INTERVAL_MS, rtt: 500 + conn }]));
      await good.next((m) => m.type === 'ack' && m.seq === 100 + conn);
      socket.terminate(); // the server stops reading a refused socket: no close handshake to wait for
      await done;
    }

    expect(sent).toBe(80 * 60);
    expect(closed).toBe(80);
    expect(answered).toBe(80); // every bad socket got an error back before its close, not silence
    expect(good.closed).toBeNull();
    // Exactly the good agent's 80 samples were stored, nothing from the fuzz.
    expect((await count(join(server.dataDir, DATABASE_FILE))) - before).toBe(80);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('answers every mutated binary results frame of an approved agent (ack or error, never silence) and stores only what parses', async () => {
    const { agent, targets, before } = await approvedAgent();
    const random = prng(7);
    // 380 frames of 5-s rounds from 39 min ago (the server takes 40 min back) to 7 min ago, clear of the first test's samples.
    const FRAMES = 380;
    const firstAt = Date.now() - 39 * 60_000;
    let parsed = 0;
    let storable = 0;
    for (let seq = 1000; seq < 1000 + FRAMES; seq++) {
      const samples = targets.map((t: { id: number }, i: number) => ({ targetId: t.id, at: firstAt + (seq - 1000) * PROBE_INTERVAL_MS + i, rtt: 100 + seq }));
      const frame = Buffer.from(encodeResultsFrame(seq, samples));
      const bytes = (() => {
        switch (seq % 4) {
          case 0: { // flip bytes
            const copy = Buffer.from(frame);
            for (let i = 0; i < 2; i++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
            return copy;
          }
          case 1: return frame.subarray(0, Math.floor(random() * frame.length)); // truncated
          case 2: return Buffer.concat([frame, Buffer.from([Math.floor(random() * 256)])]); // a byte too many
          default: return frame;
        }
      })();
      const verdict = parseResultsFrame(bytes);
      if (verdict.ok) parsed++;
      if (seq % 4 === 3) storable += samples.length;
      agent.send(bytes);
    }
    // Every frame gets its answer, in order: an ack (stored or refused for good) or a bad-frame error.
    const answers = () => agent.received.filter((m) => (m.type === 'ack' && m.seq >= 1000) || (m.type === 'error' && m.code === 'bad-frame'));
    await waitUntil(() => answers().filter((m) => m.type === 'ack').length + answers().filter((m) => m.type === 'error').length >= FRAMES);
    expect(answers().filter((m) => m.type === 'ack')).toHaveLength(parsed);
    expect(answers().filter((m) => m.type === 'error')).toHaveLength(FRAMES - parsed);
    expect(agent.closed).toBeNull();
    // The untouched frames' samples are all stored; a mutated frame that still parsed may add its own, never more than it held.
    const added = (await count(join(server.dataDir, DATABASE_FILE))) - before;
    expect(added).toBeGreaterThanOrEqual(storable);
    expect(added).toBeLessThanOrEqual(storable + (parsed - FRAMES / 4) * targets.length);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
