import { parseBrowserMessage, parseServerToBrowser } from './live-messages';
import { addressFamily, targetAddressSchema } from './target-address';

describe('server <-> browser messages', () => {
  it('accepts a snapshot and a delta with flat cells', () => {
    const snapshot = {
      type: 'snapshot',
      seq: 0,
      agents: [{ id: 1, hostname: 'a', state: 'approved', online: true, local: true }],
      targets: [{ id: 1, address: '127.0.0.1', name: null, group: null }],
      cells: [1, 1, 1000, 250],
    };
    expect(parseServerToBrowser(JSON.stringify(snapshot))).toEqual({ ok: true, value: snapshot });
    expect(parseServerToBrowser({ type: 'delta', seq: 1, cells: [1, 1, 2000, -1] }).ok).toBe(true);
  });

  it('refuses cells that are not whole groups of four', () => {
    const parsed = parseServerToBrowser({ type: 'delta', seq: 1, cells: [1, 1, 2000] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain('multiple of 4');
  });

  it('refuses an agent in an unknown state', () => {
    const agents = [{ id: 1, hostname: 'a', state: 'banned', online: true, local: false }];
    expect(parseServerToBrowser({ type: 'snapshot', seq: 0, agents, targets: [], cells: [] }).ok).toBe(false);
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
