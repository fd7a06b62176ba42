import { networkOf } from './client-network';

describe(networkOf.name, () => {
  it('counts an IPv4 address by itself', () => {
    expect(networkOf('203.0.113.7')).toBe('203.0.113.7');
    expect(networkOf('203.0.113.8')).not.toBe(networkOf('203.0.113.7'));
  });

  it('counts every address of one IPv6 /64 as one network, whatever its spelling', () => {
    const net = '2001:db8:1:2::/64';
    expect(networkOf('2001:db8:1:2::1')).toBe(net);
    expect(networkOf('2001:db8:1:2:ffff:ffff:ffff:fffe')).toBe(net);
    expect(networkOf('2001:0DB8:0001:0002:0:0:0:abcd')).toBe(net);
    expect(networkOf('2001:db8:1:2:aaaa::%eth0')).toBe(net);
    expect(networkOf('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(networkOf('::1')).toBe('0:0:0:0::/64');
    expect(networkOf('fe80::1:2:3:4')).toBe('fe80:0:0:0::/64');
  });

  it('counts IPv4-mapped and NAT64 addresses as the IPv4 address they carry', () => {
    expect(networkOf('::ffff:127.0.0.9')).toBe('127.0.0.9');
    expect(networkOf('::FFFF:7f00:9')).toBe('127.0.0.9');
    expect(networkOf('64:ff9b::198.51.100.4')).toBe('198.51.100.4');
    expect(networkOf('64:ff9b::c633:6405')).toBe('198.51.100.5');
  });

  it('keeps anything else as it is', () => {
    expect(networkOf(undefined)).toBe('unknown');
    expect(networkOf('')).toBe('unknown');
    expect(networkOf('not-an-address')).toBe('not-an-address');
  });
});
