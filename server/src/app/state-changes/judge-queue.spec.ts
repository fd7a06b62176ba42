import { CELL_STALE_AFTER_MS, RttCode } from '@meshping/protocol';
import { JudgeQueue } from './judge-queue';
import { StateTracker, type PairSource } from './state-tracker';

const TARGETS = 1000;
/** 10 agents x 1,000 targets, pair index row-major, ids from 1. */
const mesh: PairSource = { count: () => 10 * TARGETS, agentOf: (p) => Math.floor(p / TARGETS) + 1, targetOf: (p) => (p % TARGETS) + 1, newest: () => null };

describe(JudgeQueue.name, () => {
  const t0 = 1_800_000_000_000;

  /** A tracker fed two batches (the second stale-making) and a sweep, through a queue with `budgetMs`; its log and how many pauses it took. */
  const feed = async (budgetMs: number) => {
    const tracker = new StateTracker(mesh);
    tracker.setAgents(Array.from({ length: 10 }, (_, i) => ({ id: i + 1, online: true })), t0);
    tracker.setTargets(Array.from({ length: TARGETS }, (_, i) => ({ id: i + 1, thresholdUs: null })), 100_000);
    let now = t0;
    let pauses = 0;
    const log: string[] = [];
    const queue = new JudgeQueue(
      tracker,
      {
        now: () => now,
        pause: () => (pauses++, new Promise<void>((resolve) => setImmediate(resolve))),
        settled: () => {
          const out = tracker.out.drain();
          for (let i = 0; i < out.length; i++) log.push(`${out.kind[i]} ${out.agentId[i]}>${out.targetId[i]} ${out.from[i]}->${out.to[i]} @${out.at[i] - t0}`);
        },
        failed: (err) => {
          throw err;
        },
      },
      budgetMs,
    );
    const all = Int32Array.from({ length: mesh.count() }, (_, p) => p);
    const batch = (from: number, to: number, at: number, rtt: (p: number) => number) => {
      const pairs = all.slice(from, to);
      queue.stored(pairs, new Float64Array(pairs.length).fill(at), Int32Array.from(pairs, rtt), now);
      pairs.fill(-1); // the store's arrays are only valid during the call
    };
    batch(0, mesh.count(), t0, (p) => (p % 3 ? 900 : RttCode.NO_REPLY));
    now += 5_000;
    batch(0, 5 * TARGETS, now - 500, () => 900); // agents 1-5 report again; 6-10 do not
    now += CELL_STALE_AFTER_MS - 1_000;
    await queue.sweep();
    await queue.idle();
    return { log, pauses };
  };

  it('judges large batches in steps, keeps later work in order behind them, and records what judging at once records', async () => {
    const atOnce = await feed(Infinity);
    const inSteps = await feed(0);
    expect(atOnce.pauses).toBe(1); // the sweep's one step
    expect(inSteps.pauses).toBeGreaterThan(3);
    expect(inSteps.log).toEqual(atOnce.log);
    expect(atOnce.log.filter((l) => l.startsWith('0 ') && l.endsWith(`@${CELL_STALE_AFTER_MS}`)).length).toBe(5 * TARGETS); // agents 6-10's cells went grey
  });
});
