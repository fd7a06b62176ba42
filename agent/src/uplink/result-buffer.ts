import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { BUFFER_WINDOW_MS, encodeResults, MAX_SAMPLES_PER_BATCH, type ResultsBatch, type Sample } from '@meshping/protocol';

/**
 * Every result the server has not acknowledged: samples not yet batched, and batches sent (or
 * waiting to be sent) without an ack. Bounded by time: batches older than the buffer window are
 * dropped oldest first and counted. (Memory bounds and gap reports to the server: issue 5.)
 */
@Injectable()
export class ResultBuffer {
  private fresh: Sample[] = [];
  /** Insertion order is seq order: oldest first. */
  private readonly unacked = new Map<number, { batch: ResultsBatch; createdAt: number }>();
  private nextSeq = 0;
  droppedSamples = 0;

  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  add(sample: Sample): void {
    this.fresh.push(sample);
  }

  /** Seals the samples collected so far into the next batch, or null when there are none. */
  seal(): ResultsBatch | null {
    if (this.fresh.length === 0) return null;
    const samples = this.fresh.splice(0, MAX_SAMPLES_PER_BATCH);
    const batch = encodeResults(this.nextSeq++, samples);
    this.unacked.set(batch.seq, { batch, createdAt: this.clock.now() });
    return batch;
  }

  ack(seq: number): void {
    this.unacked.delete(seq);
  }

  /** Unacknowledged batches, oldest first (for resending after a reconnect). */
  pending(): ResultsBatch[] {
    return [...this.unacked.values()].map((e) => e.batch);
  }

  /** Drops batches older than the window; returns how many samples went. */
  expire(): number {
    const limit = this.clock.now() - BUFFER_WINDOW_MS;
    let dropped = 0;
    for (const [seq, entry] of this.unacked) {
      if (entry.createdAt >= limit) break;
      dropped += entry.batch.target.length;
      this.unacked.delete(seq);
    }
    this.droppedSamples += dropped;
    return dropped;
  }

  /** Samples held: not yet batched plus batched but unacknowledged. */
  depth(): number {
    let n = this.fresh.length;
    for (const e of this.unacked.values()) n += e.batch.target.length;
    return n;
  }
}
