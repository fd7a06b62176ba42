import { canonicalTargetAddress, checkTargetAddress, formatIpv6, ipAddressProblem, parseIpv6, targetAddressSchema } from './target-address';

describe('checkTargetAddress', () => {
  it('gives one canonical form for every spelling of an address (RFC 5952, IPv4-mapped as IPv4, hostnames lower case)', () => {
    const cases: [string, string][] = [
      ['::1', '::1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['::0001', '::1'],
      ['::ffff:127.0.0.1', '127.0.0.1'],
      ['::FFFF:7f00:1', '127.0.0.1'],
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0000:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['fd00:250:0:0:0:0:0:10', 'fd00:250::10'],
      ['::1.2.3.4', '::102:304'],
      [' 192.0.2.1 ', '192.0.2.1'],
      ['LOCALHOST', 'localhost'],
      ['localhost.', 'localhost'],
      ['Probe-01.Example.NET.', 'probe-01.example.net'],
    ];
    for (const [input, canonical] of cases) expect([input, canonicalTargetAddress(input)]).toEqual([input, canonical]);
  });

  it('refuses hostnames that resolvers would read as IPv4 in a form nobody can compare', () => {
    for (const a of ['0x7f000001', '127.1', '2130706433', '1.2.3.999', '01.2.3.4', '0x7f.0x1', 'host.0x10', 'a..b', '', '.']) {
      expect([a, checkTargetAddress(a)]).toEqual([a, { ok: false, reason: 'must be an IPv4 address, an IPv6 address or a hostname' }]);
    }
    expect(checkTargetAddress('host-1.example')).toEqual({ ok: true, address: 'host-1.example', family: null });
    expect(checkTargetAddress('x.y1')).toMatchObject({ ok: true });
  });

  it('always refuses unspecified, broadcast, multicast and reserved addresses, also IPv4-mapped', () => {
    for (const a of ['0.0.0.0', '0.1.2.3', '255.255.255.255', '224.0.0.1', '239.255.255.250', '240.0.0.1', '::', '0:0::0', 'ff02::1', 'FF05::2', '::ffff:0.0.0.0', '::ffff:224.0.0.1']) {
      const r = checkTargetAddress(a);
      expect([a, r.ok]).toEqual([a, false]);
      expect(r.ok ? '' : r.reason).toMatch(/cannot be probed/);
    }
    for (const a of ['127.0.0.1', '::1', '10.250.0.2', '169.254.169.254', 'fe80::1', '223.255.255.255']) expect([a, checkTargetAddress(a).ok]).toEqual([a, true]);
  });

  it('parses and formats IPv6 like the RFC 5952 examples', () => {
    expect(parseIpv6('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6('1:2:3:4:5:6:7::8')).toBeNull();
    expect(parseIpv6(':::1')).toBeNull();
    expect(formatIpv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).toBe('2001:db8::1:0:0:1'); // first of two equal runs
    expect(formatIpv6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])).toBe('2001:db8:0:1:1:1:1:1'); // one zero group stays
    expect(formatIpv6([0, 0, 0, 0, 0, 0, 0, 0])).toBe('::');
    expect(ipAddressProblem('10.0.0.1')).toBeNull();
  });

  it('backs the shared zod schema', () => {
    expect(targetAddressSchema.safeParse('::1').success).toBe(true);
    expect(targetAddressSchema.safeParse('0x7f000001').success).toBe(false);
  });
});
