import { encodeLiveFrame, LIVE_FRAME_HEADER_BYTES, parseBrowserMessage, parseServerToBrowser } from './live-messages';
import { addressFamily, targetAddressSchema } from './target-address';

describe('server <-> browser messages', () => {
  const layout = {
    agents: [{ id: 1, hostname: 'a', state: 'approved' as const, online: true, local: true }],
    targets: [{ id: 7, address: '127.0.0.1', name: null, group: null, latencyThresholdMs: 20 }],
    latencyThresholdMs: 100,
  };
  const toBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;

  it('round-trips a binary snapshot: layout JSON and cells as [agent, target, rtt, age] records', () => {
    const bytes = encodeLiveFrame('snapshot', 3, 10_500, [1, 7, 10_000, 250, 1, 8, 9_000, -1], layout);
    expect(bytes.length % 4).toBe(0);
    const parsed = parseServerToBrowser(toBuffer(bytes));
    if (!parsed.ok || parsed.value.type !== 'snapshot') throw new Error(JSON.stringify(parsed));
    expect(parsed.value.seq).toBe(3);
    expect(parsed.value.layout).toEqual(layout);
    expect(parsed.value.cells.serverNow).toBe(10_500);
    expect([...parsed.value.cells.records]).toEqual([1, 7, 250, 500, 1, 8, -1, 1500]);
  });

  it('sends a delta as 20 header bytes plus 16 bytes a cell, ages against the server clock (an agent ahead of it: negative)', () => {
    const bytes = encodeLiveFrame('delta', 9, 4_990, [2, 3, 5_000, 42]);
    expect(bytes.length).toBe(LIVE_FRAME_HEADER_BYTES + 16);
    const parsed = parseServerToBrowser(toBuffer(bytes));
    expect(parsed.ok && parsed.value).toEqual({ type: 'delta', seq: 9, cells: { serverNow: 4_990, records: new Int32Array([2, 3, 42, -10]) } });
  });

  it('refuses binary frames whose length does not match whole records, or of an unknown version', () => {
    const bytes = encodeLiveFrame('delta', 1, 5_000, [2, 3, 5_000, 42]);
    expect(parseServerToBrowser(toBuffer(bytes.subarray(0, bytes.length - 4)))).toEqual({ ok: false, error: 'binary frame length does not match its records' });
    const v2 = bytes.slice();
    v2[1] = 2;
    expect(parseServerToBrowser(v2.buffer).ok).toBe(false);
    expect(parseServerToBrowser(new ArrayBuffer(8)).ok).toBe(false);
  });

  it('accepts a layout text frame and refuses an agent in an unknown state', () => {
    expect(parseServerToBrowser(JSON.stringify({ type: 'layout', seq: 4, layout }))).toEqual({ ok: true, value: { type: 'layout', seq: 4, layout } });
    const agents = [{ id: 1, hostname: 'a', state: 'banned', online: true, local: false }];
    expect(parseServerToBrowser({ type: 'layout', seq: 0, layout: { ...layout, agents } }).ok).toBe(false);
  });

  it('accepts only known browser requests, and only small frames', () => {
    expect(parseBrowserMessage('{"type":"resync"}')).toEqual({ ok: true, value: { type: 'resync' } });
    expect(parseBrowserMessage('{"type":"drop-tables"}').ok).toBe(false);
    expect(parseBrowserMessage('x'.repeat(5000)).ok).toBe(false);
  });
});

describe('target addresses', () => {
  it.each(['127.0.0.1', '::1', '2001:db8::1', 'example.com', 'router-1.lan'])('accepts %s', (a) => {
    expect(targetAddressSchema.safeParse(a).success).toBe(true);
  });

  it.each(['', 'bad host', '1.2.3.999', '-x.example', 'a'.repeat(254)])('refuses %j', (a) => {
    expect(targetAddressSchema.safeParse(a).success).toBe(false);
  });

  it('tells the address family of literals', () => {
    expect(addressFamily('10.0.0.1')).toBe(4);
    expect(addressFamily('fd00::1')).toBe(6);
    expect(addressFamily('example.com')).toBeNull();
  });
});
