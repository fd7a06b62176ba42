import * as z from 'zod/mini';

const ipv4 = z.ipv4();
const ipv6 = z.ipv6();

/**
 * A probe target: an IPv4 address, an IPv6 address or a DNS hostname. A dotted all-numeric string
 * must be a valid IPv4 address (otherwise "1.2.3.999" would pass as a hostname).
 */
export const targetAddressSchema = z
  .string()
  .check(z.trim(), z.minLength(1), z.maxLength(253))
  .check(
    z.refine((a) => ipv4.safeParse(a).success || ipv6.safeParse(a).success || z.hostname().safeParse(a).success, {
      message: 'must be an IPv4 address, an IPv6 address or a hostname',
    }),
    z.refine((a) => !/^[0-9.]+$/.test(a) || ipv4.safeParse(a).success, { message: 'invalid IPv4 address' }),
  );

export function addressFamily(address: string): 4 | 6 | null {
  if (ipv4.safeParse(address).success) return 4;
  if (ipv6.safeParse(address).success) return 6;
  return null;
}
