import { chunkLength } from './sample-codec';

/** "Every pair" for the sealing and writing cursors. */
export const ALL = 0x7fffffff;
const NO_CHUNK = 0xffffffff;

/**
 * One 5-minute bucket of every pair. It starts raw: one 32-bit word per pair and 5-s slot (the
 * probe's millisecond offset from the slot's start in 14 bits, its fixed-point value in 18; 0 is
 * empty). Once the bucket is closed it is sealed, pair by pair: the pair's samples are encoded
 * exactly as its chunk row on disk (sample-codec: about 2.5 bytes per sample) into pages of an
 * arena, and the raw slots are freed. The sealed bytes are then written to disk as they are.
 */
export class Bucket {
  /** Raw slots of the pairs not sealed yet, per block of BLOCK_PAIRS pairs; null once every pair is sealed. */
  raw: (Uint32Array | undefined)[] | null = [];
  /** Pairs with a lower index are sealed: their samples are in chunk bytes, plus `late`. */
  sealedUpTo = 0;
  /** Pairs with a lower index have their chunk on disk, except those in `unwritten`. */
  writtenUpTo = 0;
  /** Sealed pairs whose chunk changed (late samples merged in) after it was written. */
  readonly unwritten = new Set<number>();
  /** Per pair: samples outside its slots, flat [at, value, ...]: slot collisions while raw, arrivals once sealed. */
  readonly late = new Map<number, number[]>();
  readonly pages: Buffer[] = [];
  private used = 0;
  /** Per pair: where its chunk starts in the arena (page * pageSize + offset), or NO_CHUNK. */
  pos = new Uint32Array(0);
  /** Samples held (slots, chunks and late). */
  samples = 0;

  constructor(
    readonly start: number,
    readonly pageSize: number,
    /** Where new arena pages come from (a spare page of a bucket gone, or a new one). */
    private readonly newPage: (size: number) => Buffer = Buffer.allocUnsafeSlow,
  ) {}

  get written(): boolean {
    return this.writtenUpTo === ALL && this.late.size === 0 && this.unwritten.size === 0;
  }

  chunk(p: number): Buffer | null {
    const at = p < this.pos.length ? this.pos[p] : NO_CHUNK;
    if (at === NO_CHUNK) return null;
    const page = this.pages[Math.floor(at / this.pageSize)];
    const offset = at % this.pageSize;
    return page.subarray(offset, offset + chunkLength(page, offset));
  }

  /** Makes room for the chunk positions of `pairs` pairs at once (sealing all of them). */
  reserve(pairs: number): void {
    if (pairs <= this.pos.length) return;
    const next = new Uint32Array(pairs).fill(NO_CHUNK);
    next.set(this.pos);
    this.pos = next;
  }

  /** Stores a pair's (new) chunk bytes; the previous ones, if any, stay unused until the bucket leaves the hour. */
  setChunk(p: number, bytes: Uint8Array): void {
    if (p >= this.pos.length) {
      const next = new Uint32Array(Math.max(p + 1, this.pos.length * 2, 64)).fill(NO_CHUNK);
      next.set(this.pos);
      this.pos = next;
    }
    if (!this.pages.length || this.used + bytes.length > this.pageSize) {
      this.pages.push(bytes.length > this.pageSize ? Buffer.allocUnsafeSlow(bytes.length) : this.newPage(this.pageSize));
      this.used = 0;
    }
    this.pages[this.pages.length - 1].set(bytes, this.used);
    this.pos[p] = (this.pages.length - 1) * this.pageSize + this.used;
    this.used += bytes.length;
  }

  bytes(): number {
    let n = this.pos.byteLength + this.late.size * 64;
    for (const page of this.pages) n += page.length;
    for (const block of this.raw ?? []) if (block) n += block.byteLength;
    for (const list of this.late.values()) n += list.length * 8;
    return n;
  }
}

