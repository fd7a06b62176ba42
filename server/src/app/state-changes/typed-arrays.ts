export type NumberArray = Uint8Array | Int32Array | Float64Array;

/** A copy of `a` with room for `n` values; the new places hold `fill` (0 unless given). */
export function resized<T extends NumberArray>(a: T, n: number, fill?: number): T {
  const next = new (a.constructor as new (n: number) => T)(n);
  if (fill !== undefined && fill !== 0) next.fill(fill, a.length);
  next.set(a.subarray(0, Math.min(a.length, n)));
  return next;
}
