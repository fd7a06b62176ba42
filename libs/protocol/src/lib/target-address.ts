import { z } from 'zod';

/**
 * A probe target: an IPv4 address, an IPv6 address or a DNS hostname. A dotted all-numeric string
 * must be a valid IPv4 address (otherwise "1.2.3.999" would pass as a hostname).
 */
export const targetAddressSchema = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .pipe(z.union([z.ipv4(), z.ipv6(), z.hostname()]))
  .refine((a) => !/^[0-9.]+$/.test(a) || z.ipv4().safeParse(a).success, { message: 'invalid IPv4 address' });

export function addressFamily(address: string): 4 | 6 | null {
  if (z.ipv4().safeParse(address).success) return 4;
  if (z.ipv6().safeParse(address).success) return 6;
  return null;
}
