import type { PairGap } from '../pair-history';
import type { SampleSql } from '../samples.repository';
import { RING_SLOTS, SLOT_MS, type HourCache } from './hour-cache';

/** A silence of at least this many probe intervals in an agent's whole stream is a gap (one late round is not). */
export const MIN_GAP_SLOTS = 3;

export type Gap = PairGap;

/**
 * Finds the spans in which an agent delivered nothing at all (no target, not even "no reply"):
 * the agent was disconnected, or the server was down, and nothing was resent to fill them. A span
 * is final once results for it can no longer be accepted (older than the server's acceptance
 * window); then it is recorded in the gaps table, extended while the silence goes on. Younger
 * silences are reported by `provisional` without being stored, since a resend may still fill them.
 */
export class GapDetector {
  /** Per agent: the slot up to which (exclusive) the stream was examined, and the gap still being extended. */
  private readonly state = new Map<number, { done: number; seenData: boolean; open: { id: number; from: number } | null }>();

  constructor(
    private readonly cache: HourCache,
    private readonly sql: SampleSql,
  ) {}

  /** After a restart: resume each agent's open gap if it ended where the server stopped looking. */
  async load(): Promise<void> {
    for (const [agentId, gap] of await this.sql.lastGapEnds()) {
      this.state.set(agentId, { done: Math.floor(gap.to / SLOT_MS), seenData: true, open: { id: gap.id, from: gap.from } });
    }
  }

  /**
   * Examines every expected agent's stream up to `finalBefore` (epoch ms; results older than that
   * are refused, so silence there is final) and records the gaps found. `write` runs each SQL
   * write in the store's writer queue.
   */
  async detect(finalBefore: number, expected: (agentId: number) => boolean, write: <T>(task: () => Promise<T>) => Promise<T>): Promise<void> {
    const end = Math.floor(finalBefore / SLOT_MS);
    for (const agentId of this.cache.agents()) {
      if (!expected(agentId)) {
        this.state.delete(agentId);
        continue;
      }
      const activity = this.cache.agentActivity(agentId);
      if (!activity) continue;
      let st = this.state.get(agentId);
      if (!st) this.state.set(agentId, (st = { done: activity.head - RING_SLOTS + 1, seenData: false, open: null }));
      const start = Math.max(st.done, activity.head - RING_SLOTS + 1, end - RING_SLOTS + 1);
      let runStart = -1;
      for (let s = start; s < end; s++) {
        const n = s > activity.head ? 0 : activity.counts[s % RING_SLOTS];
        if (n > 0) {
          if (runStart >= 0 || st.open) await this.close(agentId, st, runStart, s, write);
          runStart = -1;
          st.seenData = true;
        } else if (runStart < 0 && st.seenData && !st.open) runStart = s;
      }
      // A silence still going on at the boundary: record it as far as it is final, extended later.
      if (st.open) await write(() => this.sql.extendGap((st.open as { id: number }).id, end * SLOT_MS));
      else if (runStart >= 0 && end - runStart >= MIN_GAP_SLOTS) {
        const id = await write(() => this.sql.insertGap(agentId, runStart * SLOT_MS, end * SLOT_MS, 'disconnected', null));
        st.open = { id, from: runStart * SLOT_MS };
        runStart = -1;
      }
      st.done = runStart >= 0 ? runStart : end;
    }
  }

  private async close(
    agentId: number,
    st: { open: { id: number; from: number } | null },
    runStart: number,
    s: number,
    write: <T>(task: () => Promise<T>) => Promise<T>,
  ): Promise<void> {
    if (st.open) {
      const id = st.open.id;
      await write(() => this.sql.extendGap(id, s * SLOT_MS));
      st.open = null;
    } else if (runStart >= 0 && s - runStart >= MIN_GAP_SLOTS) {
      await write(() => this.sql.insertGap(agentId, runStart * SLOT_MS, s * SLOT_MS, 'disconnected', null));
    }
  }

  /**
   * Silences in [from, to) not final yet (newer than `finalBefore`), from the cache alone. Only
   * the cache's ring is scanned, whatever the window: silence is known up to `now` at most, and the
   * slots after the newest data are all empty, so they are skipped, not counted one by one (a
   * window ending centuries ahead once took ~1.7e12 steps and froze the server).
   */
  provisional(agentId: number, from: number, to: number, finalBefore: number, now: number): Gap[] {
    const activity = this.cache.agentActivity(agentId);
    to = Math.min(to, now);
    if (!activity || from >= to) return [];
    const gaps: Gap[] = [];
    const first = Math.floor(Math.max(from, finalBefore) / SLOT_MS);
    const last = Math.floor((to - 1) / SLOT_MS);
    const ringStart = activity.head - RING_SLOTS + 1;
    // Scanned from the ring's start: a silence is only a gap after the agent delivered something.
    let seenData = false;
    let runStart = -1;
    const slot = (s: number, n: number) => {
      if (n === 0 && runStart < 0 && seenData) runStart = s;
      else if (n > 0) {
        if (runStart >= 0 && s - runStart >= MIN_GAP_SLOTS && s > first) {
          gaps.push({ from: Math.max(runStart * SLOT_MS, first * SLOT_MS), to: Math.min(s * SLOT_MS, to), reason: 'disconnected', samples: null });
        }
        runStart = -1;
        seenData = true;
      }
    };
    for (let s = ringStart; s <= Math.min(last, activity.head); s++) slot(s, activity.counts[s % RING_SLOTS]);
    if (last > activity.head) slot(activity.head + 1, 0); // the empty slots up to `last` add nothing more
    if (last + 1 >= ringStart) slot(last + 1, 1); // the window's end closes a silence still going on
    return gaps;
  }
}
