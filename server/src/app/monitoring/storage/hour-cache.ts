import { PROBE_INTERVAL_MS } from '@meshping/protocol';
import { RTT_BITS } from './sample-codec';

/** The cache is a ring of one slot per probe interval: an hour of them per pair. */
export const SLOT_MS = PROBE_INTERVAL_MS;
export const RING_SLOTS = 3_600_000 / SLOT_MS;
/** A sample sits in the slot its time falls in, or (when an agent's phase shifted) up to 2 slots earlier. */
const SLACK_SLOTS = 2;
const VALUE_MASK = (1 << RTT_BITS) - 1;
/** Pairs per storage block (each block: 256 x 720 x 4 bytes = 720 KiB). */
const BLOCK_PAIRS = 256;
const NONE = -1;

export const InsertResult = { DUPLICATE: -1, TOO_OLD: -2, FULL: -3 } as const;

/** Per agent: samples per slot over the last hour (for gap detection), newest slot first seen. */
export interface AgentActivity {
  head: number;
  counts: Uint16Array;
}

/**
 * The last hour of every (agent, target) pair in typed arrays: one 32-bit word per 5-s slot holding
 * the probe's millisecond offset in the slot (14 bits) and its fixed-point RTT value (18 bits),
 * 0 for an empty slot. 4 bytes per sample plus 12 bytes per pair of index; no object per sample.
 */
export class HourCache {
  private readonly pairsByAgent = new Map<number, Int32Array>();
  private readonly activity = new Map<number, AgentActivity>();
  private blocks: Uint32Array[] = [];
  private heads = new Int32Array(BLOCK_PAIRS);
  private pairAgent = new Int32Array(BLOCK_PAIRS);
  private pairTarget = new Int32Array(BLOCK_PAIRS);
  private count = 0;

  get pairs(): number {
    return this.count;
  }

  /** Bytes held by the sample slots and the pair index. */
  get bytes(): number {
    let index = 0;
    for (const row of this.pairsByAgent.values()) index += row.byteLength;
    return this.blocks.length * BLOCK_PAIRS * RING_SLOTS * 4 + this.heads.byteLength * 3 + index + this.activity.size * RING_SLOTS * 2;
  }

  /** The pair's index, or -1 (created when `create`). */
  pair(agentId: number, targetId: number, create: boolean): number {
    let row = this.pairsByAgent.get(agentId);
    if (!row || targetId >= row.length) {
      if (!create) return NONE;
      const grown = new Int32Array(Math.max(targetId + 1, (row?.length ?? 0) * 2, 16)).fill(NONE);
      if (row) grown.set(row);
      this.pairsByAgent.set(agentId, (row = grown));
    }
    let p = row[targetId];
    if (p === NONE && create) {
      p = row[targetId] = this.count++;
      if (p >= this.heads.length) {
        const grow = (a: Int32Array) => {
          const next = new Int32Array(a.length * 2);
          next.set(a);
          return next;
        };
        this.heads = grow(this.heads);
        this.pairAgent = grow(this.pairAgent);
        this.pairTarget = grow(this.pairTarget);
      }
      if (p >= this.blocks.length * BLOCK_PAIRS) this.blocks.push(new Uint32Array(BLOCK_PAIRS * RING_SLOTS));
      this.heads[p] = NONE;
      this.pairAgent[p] = agentId;
      this.pairTarget[p] = targetId;
    }
    return p;
  }

  agentOf(p: number): number {
    return this.pairAgent[p];
  }

  targetOf(p: number): number {
    return this.pairTarget[p];
  }

  /** Every pair index of an agent. */
  pairsOf(agentId: number): number[] {
    const row = this.pairsByAgent.get(agentId);
    return row ? [...row].filter((p) => p !== NONE) : [];
  }

  agents(): number[] {
    return [...this.pairsByAgent.keys()];
  }

  agentActivity(agentId: number): AgentActivity | undefined {
    return this.activity.get(agentId);
  }

  /**
   * Stores a sample; returns its position (for `remove`) or an InsertResult: DUPLICATE when the
   * pair already holds a sample at that exact time, TOO_OLD beyond the hour, FULL when the slot and
   * its slack are taken (an agent probing faster than the interval).
   */
  insert(p: number, at: number, value: number): number {
    const slot = Math.floor(at / SLOT_MS);
    let head = this.heads[p];
    if (head === NONE) head = this.heads[p] = slot;
    const block = this.blocks[(p / BLOCK_PAIRS) | 0];
    const base = (p % BLOCK_PAIRS) * RING_SLOTS;
    if (slot > head) {
      const clear = Math.min(slot - head, RING_SLOTS);
      for (let s = slot - clear + 1; s <= slot; s++) block[base + (s % RING_SLOTS)] = 0;
      head = this.heads[p] = slot;
    }
    if (slot <= head - RING_SLOTS) return InsertResult.TOO_OLD;
    let free = -1;
    for (let s = slot; s >= slot - SLACK_SLOTS && s > head - RING_SLOTS; s--) {
      const e = block[base + (s % RING_SLOTS)];
      if (e === 0) {
        if (free < 0) free = s;
      } else if (s * SLOT_MS + (e >>> RTT_BITS) === at) return InsertResult.DUPLICATE;
    }
    if (free < 0) return InsertResult.FULL;
    const pos = base + (free % RING_SLOTS);
    block[pos] = (((at - free * SLOT_MS) << RTT_BITS) | value) >>> 0;
    this.countActivity(this.pairAgent[p], slot, 1);
    return p * RING_SLOTS + (free % RING_SLOTS); // a global position
  }

  /** Takes back a sample stored by `insert` (its transaction failed). */
  remove(position: number, at: number): void {
    const block = this.blocks[Math.floor(position / (BLOCK_PAIRS * RING_SLOTS))];
    const pos = position % (BLOCK_PAIRS * RING_SLOTS);
    const p = Math.floor(position / RING_SLOTS);
    block[pos] = 0;
    this.countActivity(this.pairAgent[p], Math.floor(at / SLOT_MS), -1);
  }

  /**
   * Calls `each(at, value)` for the pair's samples with from <= at < to, in time order (slots
   * displaced by a phase shift are sorted back in).
   */
  read(p: number, from: number, to: number, each: (at: number, value: number) => void): number {
    const head = this.heads[p];
    if (head === NONE) return 0;
    const block = this.blocks[(p / BLOCK_PAIRS) | 0];
    const base = (p % BLOCK_PAIRS) * RING_SLOTS;
    const first = Math.max(Math.floor(from / SLOT_MS) - SLACK_SLOTS, head - RING_SLOTS + 1);
    const last = Math.min(Math.floor((to - 1) / SLOT_MS), head);
    const ats: number[] = [];
    const values: number[] = [];
    let sorted = true;
    for (let s = first; s <= last; s++) {
      const e = block[base + (s % RING_SLOTS)];
      if (e === 0) continue;
      const at = s * SLOT_MS + (e >>> RTT_BITS);
      if (at < from || at >= to) continue;
      if (ats.length && at < ats[ats.length - 1]) sorted = false;
      ats.push(at);
      values.push(e & VALUE_MASK);
    }
    if (sorted) {
      for (let i = 0; i < ats.length; i++) each(ats[i], values[i]);
    } else {
      const order = ats.map((_, i) => i).sort((a, b) => ats[a] - ats[b]);
      for (const i of order) each(ats[i], values[i]);
    }
    return ats.length;
  }

  /** From this time on the ring holds every sample of the pair it was given (Infinity: none). */
  coveredFrom(p: number): number {
    const head = this.heads[p];
    return head === NONE ? Infinity : (head - RING_SLOTS + 1 + SLACK_SLOTS) * SLOT_MS;
  }

  /** The pair's newest sample, or null. */
  latest(p: number): { at: number; value: number } | null {
    const head = this.heads[p];
    if (head === NONE) return null;
    let best: { at: number; value: number } | null = null;
    this.read(p, (head - SLACK_SLOTS) * SLOT_MS, (head + 1) * SLOT_MS, (at, value) => (best = { at, value }));
    return best;
  }

  private countActivity(agentId: number, slot: number, delta: number): void {
    let a = this.activity.get(agentId);
    if (!a) this.activity.set(agentId, (a = { head: slot, counts: new Uint16Array(RING_SLOTS) }));
    if (slot > a.head) {
      const clear = Math.min(slot - a.head, RING_SLOTS);
      for (let s = slot - clear + 1; s <= slot; s++) a.counts[s % RING_SLOTS] = 0;
      a.head = slot;
    }
    if (slot <= a.head - RING_SLOTS) return;
    const i = slot % RING_SLOTS;
    a.counts[i] = Math.max(0, Math.min(0xffff, a.counts[i] + delta));
  }
}
