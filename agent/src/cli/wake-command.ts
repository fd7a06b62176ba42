import { normaliseMac } from '@meshping/protocol';
import { isIPv4 } from 'node:net';
import { DEFAULT_BROADCAST, sendMagicPacket, WOL_PORT } from '../wol/wake-on-lan';
import { parseFlags, UsageError } from './probe-command';

/** `meshping-agent wake MAC [--broadcast ADDRESS]`: what the server asks a connected agent to do, by hand. */
export async function wakeCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { positional, flags } = parseFlags(args, ['broadcast']);
  if (positional.length !== 1) throw new UsageError('usage: meshping-agent wake MAC [--broadcast ADDRESS]');
  const mac = normaliseMac(positional[0]);
  if (!mac) throw new UsageError(`"${positional[0]}" is not a MAC address (write it like 00:11:22:aa:bb:cc)`);
  const broadcast = typeof flags['broadcast'] === 'string' ? flags['broadcast'] : DEFAULT_BROADCAST;
  if (!isIPv4(broadcast)) throw new UsageError(`--broadcast must be an IPv4 broadcast address, not "${broadcast}"`);
  await sendMagicPacket(mac, broadcast);
  out(`Sent a Wake-on-LAN magic packet for ${mac} to ${broadcast} port ${WOL_PORT}.`);
  return 0;
}
