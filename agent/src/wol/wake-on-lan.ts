import { createSocket } from 'node:dgram';

export const WOL_PORT = 9;
export const DEFAULT_BROADCAST = '255.255.255.255';

/** The magic packet: six 0xff bytes, then the MAC address sixteen times (102 bytes). */
export function magicPacket(mac: string): Buffer {
  const bytes = Buffer.from(mac.replace(/:/g, ''), 'hex');
  if (bytes.length !== 6) throw new Error(`not a MAC address: ${mac}`);
  const packet = Buffer.alloc(6 + 16 * 6, 0xff);
  for (let i = 0; i < 16; i++) bytes.copy(packet, 6 + i * 6);
  return packet;
}

/**
 * Sends a Wake-on-LAN magic packet as a UDP broadcast on this host's segment (no privilege needed).
 * `broadcast` is the segment's broadcast address (e.g. 192.0.2.255) or the limited broadcast
 * 255.255.255.255, which leaves by the interface of the default route.
 */
export function sendMagicPacket(mac: string, broadcast = DEFAULT_BROADCAST): Promise<void> {
  const packet = magicPacket(mac);
  const socket = createSocket('udp4');
  return new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.setBroadcast(true);
      socket.send(packet, WOL_PORT, broadcast, (err) => (err ? reject(err) : resolve()));
    });
  }).finally(() => socket.close());
}

/** Sends a magic packet (sendMagicPacket): the runtime's handler for the server's `wake`; tests give a fake. */
export type WakeSender = (mac: string, broadcast?: string) => Promise<void>;
export const WAKE_SENDER = Symbol('WAKE_SENDER');
