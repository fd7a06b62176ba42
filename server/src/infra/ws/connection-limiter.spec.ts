import { addressKey, ConnectionLimiter } from './connection-limiter';
import { LogThrottle } from './log-throttle';

describe(ConnectionLimiter.name, () => {
  it('counts IPv4 addresses one by one and IPv6 addresses by their /64', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('refuses unauthenticated connections over the per-address limit, but not authenticated ones, and frees slots once', () => {
    const limiter = new ConnectionLimiter({ unauthenticatedPerAddress: 2, perAddress: 5, unauthenticatedTotal: 3 });
    const admit = (a: string) => {
      const r = limiter.admit(a);
      if (!r.ok) throw new Error(r.reason);
      return r.slot;
    };
    const a = [admit('2001:db8::1'), admit('2001:db8::2')];
    expect(limiter.admit('2001:db8::3')).toEqual({ ok: false, reason: '2 connections from 2001:db8:0:0::/64 are not authenticated yet (limit 2)' });
    // Authenticated (a NAT'd fleet): no longer counted as waiting; the address total still applies.
    a.forEach((s) => s.authenticated());
    a.push(admit('2001:db8::3'), admit('2001:db8::4'));
    a[2].authenticated();
    a.push(admit('2001:db8::5'));
    expect(limiter.count('2001:db8::9')).toEqual({ unauthenticated: 2, total: 5, unauthenticatedAll: 2 });
    expect(limiter.admit('2001:db8::6').ok).toBe(false);
    // All addresses together: 3 waiting at most.
    const other = admit('192.0.2.1');
    expect(limiter.admit('192.0.2.2')).toEqual({ ok: false, reason: '3 connections are not authenticated yet (limit 3)' });
    other.release();
    other.release();
    a[0].release();
    a[0].release();
    expect(limiter.count('2001:db8::9')).toEqual({ unauthenticated: 2, total: 4, unauthenticatedAll: 2 });
    expect(limiter.admit('192.0.2.2').ok).toBe(true);
  });
});

describe(LogThrottle.name, () => {
  it('logs the first of an event per source at once and its repeats as one line with the count', () => {
    const lines: Record<string, unknown>[] = [];
    const throttle = new LogThrottle({ warn: (m: Record<string, unknown>) => void lines.push(m) });
    for (let i = 0; i < 1000; i++) throttle.warn('agent.bad-frame', `192.0.2.${i % 2}`, { reason: `frame ${i}` });
    expect(lines).toEqual([
      { event: 'agent.bad-frame', remote: '192.0.2.0', reason: 'frame 0' },
      { event: 'agent.bad-frame', remote: '192.0.2.1', reason: 'frame 1' },
    ]);
    throttle.flush();
    expect(lines.slice(2)).toEqual([
      { event: 'agent.bad-frame', remote: '192.0.2.0', repeats: 499, intervalMs: 10_000, last: { reason: 'frame 998' } },
      { event: 'agent.bad-frame', remote: '192.0.2.1', repeats: 499, intervalMs: 10_000, last: { reason: 'frame 999' } },
    ]);
    // Beyond 100 sources in an interval: one summary line.
    lines.length = 0;
    for (let i = 0; i < 300; i++) throttle.warn('ws.client-error', `source-${i}`);
    throttle.flush();
    expect(lines).toHaveLength(101);
    expect(lines[100]).toMatchObject({ event: 'ws.client-error', sources: 200, count: 200 });
  });
});
