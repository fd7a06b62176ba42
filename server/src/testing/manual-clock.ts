import type { Clock } from '@meshping/node-kit';

/** A clock tests move by hand: wall time starts now and advances only when told. */
export class ManualClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  monotonicNs(): bigint {
    return process.hrtime.bigint() + BigInt(this.offset) * 1_000_000n;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}
