/** IPv4 clients of a dual-stack listener appear as ::ffff:a.b.c.d; this gives the plain address. */
export function plainAddress(address: string | undefined): string {
  return (address ?? 'unknown').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}
