import { echoRequest, internetChecksum, parseEchoReply } from './icmp-packet';

describe('ICMP echo packets', () => {
  it('computes the RFC 1071 checksum (worked example from RFC 1071, section 3)', () => {
    expect(internetChecksum(Buffer.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).toBe(0x220d);
  });

  it('builds an ICMPv4 request whose checksum verifies to zero', () => {
    const packet = echoRequest(4, 0x1234, 0xabcd);
    expect(packet[0]).toBe(8);
    expect(packet.readUInt16BE(4)).toBe(0x1234);
    expect(packet.readUInt16BE(6)).toBe(0xabcd);
    expect(internetChecksum(packet)).toBe(0);
  });

  it('leaves the ICMPv6 checksum to the kernel', () => {
    const packet = echoRequest(6, 1, 2);
    expect(packet[0]).toBe(128);
    expect(packet.readUInt16BE(2)).toBe(0);
  });

  it('reads an IPv4 reply after the IP header, and ignores our own request seen on loopback', () => {
    const ipHeader = Buffer.alloc(20);
    ipHeader[0] = 0x45;
    const reply = echoRequest(4, 7, 9);
    reply[0] = 0;
    expect(parseEchoReply(4, Buffer.concat([ipHeader, reply]))).toEqual({ identifier: 7, sequence: 9 });
    expect(parseEchoReply(4, Buffer.concat([ipHeader, echoRequest(4, 7, 9)]))).toBeNull();
    expect(parseEchoReply(4, ipHeader)).toBeNull();
  });

  it('reads an ICMPv6 reply without an IP header', () => {
    const reply = echoRequest(6, 7, 9);
    reply[0] = 129;
    expect(parseEchoReply(6, reply)).toEqual({ identifier: 7, sequence: 9 });
    expect(parseEchoReply(6, echoRequest(6, 7, 9))).toBeNull();
  });
});
