/** ICMP echo messages (RFC 792, RFC 4443): building requests and reading replies. */

export const ICMP_ECHO_REQUEST = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;

const HEADER = 8;
const PAYLOAD = 24;

/** RFC 1071 internet checksum over the whole buffer. */
export function internetChecksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/**
 * An echo request. ICMPv4 carries its own checksum; for ICMPv6 the kernel computes it (it covers
 * the pseudo-header, which a raw socket user cannot see).
 */
export function echoRequest(family: 4 | 6, identifier: number, sequence: number): Buffer {
  const buf = Buffer.alloc(HEADER + PAYLOAD);
  buf[0] = family === 4 ? ICMP_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
  buf.writeUInt16BE(identifier, 4);
  buf.writeUInt16BE(sequence, 6);
  buf.write('meshping', HEADER, 'ascii');
  if (family === 4) buf.writeUInt16BE(internetChecksum(buf), 2);
  return buf;
}

export interface EchoReply {
  identifier: number;
  sequence: number;
}

/**
 * Reads an echo reply, or null for anything else (other ICMP types, our own requests seen on
 * loopback, truncated packets). An IPv4 raw socket delivers the IP header first; ICMPv6 does not.
 */
export function parseEchoReply(family: 4 | 6, packet: Buffer): EchoReply | null {
  const offset = family === 4 ? (packet[0] & 0x0f) * 4 : 0;
  if (packet.length < offset + HEADER) return null;
  const type = packet[offset];
  if (type !== (family === 4 ? ICMP_ECHO_REPLY : ICMP6_ECHO_REPLY) || packet[offset + 1] !== 0) return null;
  return { identifier: packet.readUInt16BE(offset + 4), sequence: packet.readUInt16BE(offset + 6) };
}
