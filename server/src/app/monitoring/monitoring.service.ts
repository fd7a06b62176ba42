import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { BUFFER_WINDOW_MS, decodeResults, type ResultsBatch, type Sample } from '@meshping/protocol';
import { TargetsService } from '../targets/targets.service';
import { LatestCells } from './latest-cells';
import { SamplesRepository } from './samples.repository';

/** A batch refused as a whole; nothing of it was stored. */
export class RejectedBatchError extends Error {
  override readonly name = 'RejectedBatchError';
}

/** Results from agents may be this far ahead of the server's clock (clock skew). */
const MAX_FUTURE_MS = 60_000;
/** ... and this far behind it: the agent's buffer window plus slack for a slow resend. */
const MAX_AGE_MS = BUFFER_WINDOW_MS + 10 * 60_000;

@Injectable()
export class MonitoringService {
  private readonly latest = new LatestCells();

  constructor(
    private readonly samples: SamplesRepository,
    private readonly targets: TargetsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Validates a batch against the server's state, stores it durably and updates the live cells.
   * Resolves once the batch is committed, which is when the agent may be acknowledged.
   */
  async ingest(agentId: number, batch: ResultsBatch): Promise<number> {
    // Results for a target deleted while they were in flight are dropped; the rest is stored.
    const samples = decodeResults(batch).filter((s) => !this.targets.wasDeleted(s.targetId));
    this.check(samples);
    const added = await this.samples.insertBatch(agentId, samples);
    this.latest.apply(agentId, samples);
    return added;
  }

  snapshotCells(): number[] {
    return this.latest.all();
  }

  drainChanges(): number[] {
    return this.latest.drainChanges();
  }

  pairSince(agentId: number, targetId: number, since: number): Promise<Sample[]> {
    return this.samples.findPair(agentId, targetId, since);
  }

  private check(samples: readonly Sample[]): void {
    const now = this.clock.now();
    for (const s of samples) {
      if (!this.targets.has(s.targetId)) throw new RejectedBatchError(`unknown target id ${s.targetId}`);
      if (s.at > now + MAX_FUTURE_MS) throw new RejectedBatchError(`sample time ${s.at} is in the future`);
      if (s.at < now - MAX_AGE_MS) throw new RejectedBatchError(`sample time ${s.at} is older than the buffer window`);
    }
  }
}
