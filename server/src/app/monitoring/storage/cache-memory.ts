/**
 * Memory the hour cache hands on from bucket to bucket instead of allocating it again: the raw slot
 * blocks of sealed buckets (zeroed) and the arena pages of buckets that left the hour. Without it,
 * at 1,000 x 1,000 pairs every 5-minute boundary allocated ~240 MB of new raw slots within seconds
 * (every pair's first sample in the new bucket) and sealing ~150 MB of pages, all outside the JS
 * heap, and that much new external memory makes V8 run full collections: one 76-97 ms event-loop
 * pause per boundary measured at L2. At most one bucket's worth of blocks and of pages is kept.
 */
export class CacheMemory {
  private readonly spareBlocks: Uint32Array[] = [];
  /**
   * Blocks allocated beside each new one while there are no spares (a fleet appearing, or growing),
   * for the next bucket: its first seconds would otherwise allocate them all again, before the
   * bucket it follows is sealed and gives its own back.
   */
  private readonly nextBucketBlocks: Uint32Array[] = [];
  private readonly sparePages: Buffer[] = [];

  /** `blockLength`: 32-bit words per raw block. */
  constructor(private readonly blockLength: number) {}

  /** Bytes held in reserve. */
  get bytes(): number {
    let n = 0;
    for (const block of this.spareBlocks) n += block.byteLength;
    for (const block of this.nextBucketBlocks) n += block.byteLength;
    for (const page of this.sparePages) n += page.length;
    return n;
  }

  /** A zeroed raw block: a spare, or a new one (and one more set aside for the next bucket, up to `limit` blocks). */
  takeBlock(limit: number): Uint32Array {
    const spare = this.spareBlocks.pop();
    if (spare) return spare;
    if (this.nextBucketBlocks.length < limit) this.nextBucketBlocks.push(new Uint32Array(this.blockLength));
    return new Uint32Array(this.blockLength);
  }

  /** Keeps a block nothing uses any more, zeroed, while fewer than `limit` are spare. */
  giveBlock(block: Uint32Array | undefined, limit: number): void {
    if (block && this.spareBlocks.length < limit) this.spareBlocks.push(block.fill(0));
  }

  /** A new bucket became the newest: the blocks set aside for it become spares. */
  nextBucket(): void {
    for (const block of this.nextBucketBlocks.splice(0)) this.spareBlocks.push(block);
  }

  /** A spare page of that size, or a new one (spares of another size are let go: the fleet changed size). */
  takePage(size: number): Buffer {
    const spare = this.sparePages.pop();
    if (spare?.length === size) return spare;
    this.sparePages.length = 0;
    return Buffer.allocUnsafeSlow(size);
  }

  /**
   * Keeps the pages of a bucket that left the hour, once nothing can read them any more (every
   * chunk written: no write in flight holds a view of a page). Only pages of `pageSize`.
   */
  givePages(pages: readonly Buffer[], pageSize: number): void {
    if (this.sparePages.length && this.sparePages[0].length !== pageSize) this.sparePages.length = 0;
    for (const page of pages) {
      if (this.sparePages.length >= pages.length) break;
      if (page.length === pageSize) this.sparePages.push(page); // not the few oversized ones
    }
  }
}
