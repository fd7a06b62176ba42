import { MAX_BUFFER_WINDOW_MS, MAX_FRAME_BYTES, MAX_RTT_US, MAX_SAMPLES_PER_BATCH, PROTOCOL_VERSION, RttCode } from './constants';
import { isCompatible, normaliseMac, parseAgentMessage, parseServerToAgent, resultsSchema } from './agent-messages';
import { decodeResults, encodeResults } from './results-codec';

const token = 'a'.repeat(43);
const hello = {
  type: 'hello',
  protocol: PROTOCOL_VERSION,
  agent: { hostname: 'probe-01', version: '0.1.0', addresses: ['192.0.2.10', '2001:db8::10'] },
  auth: { kind: 'local-token', token },
};

describe('agent -> server messages', () => {
  it('accepts a hello, a heartbeat and a results batch, as text or as decoded JSON', () => {
    expect(parseAgentMessage(JSON.stringify(hello))).toEqual({ ok: true, value: hello });
    expect(parseAgentMessage({ type: 'heartbeat', at: 1_700_000_000_000 }).ok).toBe(true);
    const batch = encodeResults(7, [{ targetId: 1, at: 1_700_000_000_000, rtt: 1234 }]);
    expect(parseAgentMessage(JSON.stringify(batch))).toEqual({ ok: true, value: batch });
  });

  it.each([
    ['not JSON', '{"type":', 'frame is not valid JSON'],
    ['binary (null) frame', null, 'frame must be a JSON text frame'],
    ['an unknown type', { type: 'shutdown' }, 'type'],
    ['hello without auth', { ...hello, auth: undefined }, 'auth'],
    ['hello with a short token', { ...hello, auth: { kind: 'local-token', token: 'x' } }, 'auth.token'],
    ['hello with an unknown auth kind', { ...hello, auth: { kind: 'password', token } }, 'auth.kind'],
    ['results with columns of different lengths', { type: 'results', seq: 1, base: 0, target: [1, 2], dt: [0], rtt: [5] }, 'same length'],
    ['results with a fractional RTT', { type: 'results', seq: 1, base: 0, target: [1], dt: [0], rtt: [1.5] }, 'rtt.0'],
    ['results with an unknown negative code', { type: 'results', seq: 1, base: 0, target: [1], dt: [0], rtt: [-9] }, 'rtt.0'],
    ['results with target id 0', { type: 'results', seq: 1, base: 0, target: [0], dt: [0], rtt: [5] }, 'target.0'],
    ['results with a negative seq', { type: 'results', seq: -1, base: 0, target: [], dt: [], rtt: [] }, 'seq'],
  ])('refuses %s with a readable reason', (_name, frame, reason) => {
    const parsed = parseAgentMessage(typeof frame === 'string' || frame === null ? frame : JSON.stringify(frame));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(reason);
  });

  it('refuses frames over the size limit before parsing them', () => {
    const parsed = parseAgentMessage('x'.repeat(MAX_FRAME_BYTES + 1));
    expect(parsed).toEqual({ ok: false, error: `frame larger than ${MAX_FRAME_BYTES} bytes` });
  });

  it('refuses a batch with more samples than allowed', () => {
    const n = MAX_SAMPLES_PER_BATCH + 1;
    const big = { type: 'results', seq: 1, base: 0, target: Array(n).fill(1), dt: Array(n).fill(0), rtt: Array(n).fill(1) };
    expect(parseAgentMessage(big).ok).toBe(false);
  });

  it('gives results batches (checked without zod, for speed) exactly the schema\'s verdict', () => {
    // A deterministic PRNG: every run checks the same 5,000 batches.
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const odd = [-1, 0, 1, 1.5, -3, -4, 2 ** 31, 2 ** 31 - 1, 86_400_001, 60_000_001, 8.64e15 + 1, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity, '1', null, true, [], {}];
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(random() * 6);
      const batch: Record<string, unknown> = {
        type: 'results',
        seq: Math.floor(random() * 1e6),
        base: 1_795_000_000_000,
        target: Array.from({ length: n }, () => 1 + Math.floor(random() * 1000)),
        dt: Array.from({ length: n }, () => Math.floor(random() * 5000)),
        rtt: Array.from({ length: n }, () => Math.floor(random() * 200_000) - 3),
      };
      // Break it (or not) in one or two places.
      for (let k = Math.floor(random() * 3); k > 0; k--) {
        const key = pick(['seq', 'base', 'target', 'dt', 'rtt', 'extra', 'type'] as const);
        const list = batch[key];
        if (Array.isArray(list) && list.length && random() < 0.7) list[Math.floor(random() * list.length)] = pick(odd);
        else if (Array.isArray(list) && random() < 0.5) list.push(1);
        else if (key === 'type') batch['type'] = pick(['result', 'results', 'heartbeat']);
        else if (random() < 0.2) delete batch[key];
        else batch[key] = pick(odd);
      }
      const fast = parseAgentMessage(batch);
      const schema = resultsSchema.safeParse(batch);
      if (batch['type'] !== 'results') continue; // other types take the schema path
      expect({ i, ok: fast.ok }).toEqual({ i, ok: schema.success });
      if (fast.ok && schema.success) {
        expect(fast.value).toEqual(schema.data);
        accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(4000);
  });

  it('checks the protocol version', () => {
    expect(isCompatible(PROTOCOL_VERSION)).toBe(true);
    expect(isCompatible(PROTOCOL_VERSION + 1)).toBe(false);
  });
});

describe('server -> agent messages', () => {
  it('accepts welcome, targets, ack and error', () => {
    for (const m of [
      { type: 'welcome', protocol: 1, agentId: 3, serverTime: 1 },
      { type: 'targets', version: 2, targets: [{ id: 1, address: '::1', name: null }] },
      { type: 'ack', seq: 0 },
      { type: 'error', code: 'batch-rejected', message: 'unknown target', fatal: false },
      { type: 'wake', mac: '00:11:22:aa:bb:cc' },
      { type: 'wake', mac: '00:11:22:aa:bb:cc', broadcast: '10.0.0.255' },
    ]) {
      expect(parseServerToAgent(JSON.stringify(m))).toEqual({ ok: true, value: m });
    }
  });

  it('refuses a wake request without a proper MAC address or broadcast address', () => {
    expect(parseServerToAgent({ type: 'wake', mac: '00:11:22:AA:BB' }).ok).toBe(false);
    expect(parseServerToAgent({ type: 'wake', mac: '00:11:22:aa:bb:cc', broadcast: 'ff02::1' }).ok).toBe(false);
  });

  it('normalises the ways MAC addresses are written', () => {
    for (const text of ['00-11-22-AA-BB-CC', '0011.22aa.bbcc', '00:11:22:aa:bb:cc', '001122AABBCC']) expect(normaliseMac(text)).toBe('00:11:22:aa:bb:cc');
    for (const text of ['00:11:22:aa:bb', 'zz:11:22:aa:bb:cc', '00:11:22:aa:bb:cc:dd']) expect(normaliseMac(text)).toBeNull();
  });

  it('refuses a target without an address', () => {
    expect(parseServerToAgent({ type: 'targets', version: 1, targets: [{ id: 1, name: null }] }).ok).toBe(false);
  });
});

describe('results codec', () => {
  it('round-trips samples and keeps the batch compact', () => {
    const base = 1_795_000_000_000;
    const samples = Array.from({ length: 1000 }, (_, i) => ({
      targetId: i + 1,
      at: base + i * 5,
      rtt: i % 10 === 0 ? RttCode.NO_REPLY : 200 + i,
    }));
    const batch = encodeResults(42, samples);
    expect(batch.base).toBe(base);
    expect(decodeResults(batch)).toEqual(samples);
    // 1,000 samples in well under 20 bytes each as JSON text.
    expect(JSON.stringify(batch).length).toBeLessThan(20_000);
  });
});

describe('agent report bounds', () => {
  it('refuses an RTT longer than the probe timeout (plus its sweep), and a dropped report longer than any buffer window', () => {
    const batch = (rtt: number) => JSON.stringify({ type: 'results', seq: 1, base: 1_795_000_000_000, target: [1], dt: [0], rtt: [rtt] });
    expect(parseAgentMessage(batch(MAX_RTT_US)).ok).toBe(true);
    expect(parseAgentMessage(batch(MAX_RTT_US + 1))).toEqual({ ok: false, error: `rtt.0: must be an integer from -3 to ${MAX_RTT_US}` });
    const dropped = (from: number, to: number) => JSON.stringify({ type: 'dropped', seq: 1, from, to, samples: 1 });
    expect(parseAgentMessage(dropped(0, MAX_BUFFER_WINDOW_MS)).ok).toBe(true);
    const tooLong = parseAgentMessage(dropped(0, 8.64e15));
    expect(tooLong.ok).toBe(false);
    if (!tooLong.ok) expect(tooLong.error).toContain('to - from must be at most');
  });
});

describe('agent hostnames (copied into target names by full mesh)', () => {
  it('refuses a hello whose hostname has control or format characters or surrounding whitespace, naming it', () => {
    for (const hostname of ['evil\u202Egnp', 'a\u0000b', 'probe\n01', ' probe-01', '\uD800']) {
      const parsed = parseAgentMessage(JSON.stringify({ ...hello, agent: { ...hello.agent, hostname } }));
      expect([hostname, parsed]).toEqual([hostname, { ok: false, error: expect.stringMatching(/^agent\.hostname: hostname must (not contain control or format characters|not start or end with whitespace)/) }]);
    }
    expect(parseAgentMessage(JSON.stringify({ ...hello, agent: { ...hello.agent, hostname: 'مسیر\u200Cیاب-01' } })).ok).toBe(true);
  });
});
