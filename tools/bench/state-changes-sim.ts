// The state-change tracker alone at 1,000 agents x 1,000 targets (L2), on simulated time, for
// state-changes.bench.mjs. Each agent sends its round of 1,000 results every 5 s (agents spread
// evenly over the interval, so 200,000 samples a simulated second); ingest commits what arrived in
// each 50-ms commit delay as one batch (10 agents: 10,000 samples, the group commit's shape), and
// every simulated second the staleness sweep runs. About 5 % of the pairs change state every 10 s
// (a different 5 % each time: no reply or over the threshold, then back), target 17 is down for
// every agent from 20 s to 40 s, agent 42 disconnects at 45 s and comes back at 60 s. One
// 200,000-sample batch (a backlog committed at once) at 50 s shows what slicing does with a large one.
// Timed: every synchronous step the tracker takes (CPU time and wall time between yields); what
// makes the samples is not timed.
import { CellState, PROBE_INTERVAL_MS, RttCode } from '@meshping/protocol';
import { JudgeQueue } from '../../server/src/app/state-changes/judge-queue';
import { StateTracker, type PairSource } from '../../server/src/app/state-changes/state-tracker';
import type { TransitionBuffer } from '../../server/src/app/state-changes/transition-buffer';

const A = Number(process.env.STATE_AGENTS ?? 1000);
const T = Number(process.env.STATE_TARGETS ?? 1000);
const SECONDS = Number(process.env.STATE_SECONDS ?? 70);
const WARMUP_S = 10; // the first round records every pair's first state (once in a server's life)
const COMMIT_MS = 50;
const BAD_TARGET = 17;
const GONE_AGENT = 42;

/** Pair indices as the sample cache hands them out: in order of each pair's first sample. */
class Cells implements PairSource {
  private readonly index = new Int32Array(A * T).fill(-1);
  private readonly agents = new Int32Array(A * T);
  private readonly targets = new Int32Array(A * T);
  private n = 0;
  cell(agentId: number, targetId: number): number {
    const k = (agentId - 1) * T + targetId - 1;
    if (this.index[k] < 0) {
      this.index[k] = this.n;
      this.agents[this.n] = agentId;
      this.targets[this.n++] = targetId;
    }
    return this.index[k];
  }
  count(): number {
    return this.n;
  }
  agentOf(p: number): number {
    return this.agents[p];
  }
  targetOf(p: number): number {
    return this.targets[p];
  }
  newest(): null {
    return null;
  }
}

const cells = new Cells();
const tracker = new StateTracker(cells);
const t0 = Date.UTC(2026, 11, 3);
let now = t0;
tracker.restore([], -Infinity);
const online = (gone: boolean) => Array.from({ length: A }, (_, i) => ({ id: i + 1, online: !(gone && i + 1 === GONE_AGENT) }));
tracker.setAgents(online(false), now);
tracker.setTargets(Array.from({ length: T }, (_, i) => ({ id: i + 1, thresholdUs: null })), 100_000);
tracker.reserve(A * T); // as the service does when it learns the mesh (at start, before ingest)

/** Process CPU ms (includes V8's GC and compiler threads: a pessimistic figure for the main thread). */
const cpuNow = (u = process.cpuUsage()) => (u.user + u.system) / 1000;
/** What the tracker cost: each synchronous step (wall and CPU time), split into the first round and after. */
const m = { longestStepAt: 0, cpuMs: 0, warmupCpuMs: 0, longestStepMs: 0, longestStepCpuMs: 0, longestSteadyStepMs: 0, longestSteadyStepCpuMs: 0, steps: 0, transitions: 0, steadySweptStart: 0 };
const step = { on: false, wall: 0, cpu: 0 };
let digest = 2_166_136_261;
const drained: TransitionBuffer[] = [];
/** A digest of the log, in order: a rewrite of the tracker must record exactly what it recorded before. */
const hashDrained = () => {
  for (const out of drained) {
    for (let i = 0; i < out.length; i++) {
      digest = Math.imul(digest ^ out.kind[i], 16_777_619) >>> 0;
      digest = Math.imul(digest ^ out.agentId[i], 16_777_619) >>> 0;
      digest = Math.imul(digest ^ out.targetId[i], 16_777_619) >>> 0;
      digest = Math.imul(digest ^ out.from[i], 16_777_619) >>> 0;
      digest = Math.imul(digest ^ out.to[i], 16_777_619) >>> 0;
      digest = Math.imul(digest ^ (out.at[i] - t0), 16_777_619) >>> 0;
    }
  }
  drained.length = 0;
};
const stepStart = () => {
  step.on = true;
  step.wall = performance.now();
  step.cpu = cpuNow();
};
const stepEnd = () => {
  if (!step.on) return;
  step.on = false;
  const wall = performance.now() - step.wall;
  const c = cpuNow() - step.cpu;
  m.steps++;
  if (now - t0 < WARMUP_S * 1000) m.warmupCpuMs += c;
  else {
    m.cpuMs += c;
    m.longestSteadyStepMs = Math.max(m.longestSteadyStepMs, wall);
    m.longestSteadyStepCpuMs = Math.max(m.longestSteadyStepCpuMs, c);
  }
  if (wall > m.longestStepMs) m.longestStepAt = now - t0;
  m.longestStepMs = Math.max(m.longestStepMs, wall);
  m.longestStepCpuMs = Math.max(m.longestStepCpuMs, c);
  if (process.env.STATE_STEPS && wall > Number(process.env.STATE_STEPS)) process.stderr.write(`${now - t0} ms: step of ${wall.toFixed(1)} ms (${c.toFixed(1)} ms CPU)\n`);
};
const queue = new JudgeQueue(tracker, {
  now: () => now,
  pause: async () => {
    stepEnd();
    await new Promise<void>((resolve) => setImmediate(resolve));
    stepStart();
  },
  settled: () => {
    const out = tracker.out.drain(); // what the service's writer takes; hashed outside the timed steps
    m.transitions += out.length;
    drained.push(out);
  },
  failed: (err) => {
    throw err;
  },
});

/** Agent a's result for target t probed at `at`: ~5 % of pairs bad in each 10-s epoch, target 17 down 20-40 s. */
const rttOf = (a: number, t: number, at: number): number => {
  const s = (at - t0) / 1000;
  if (t === BAD_TARGET && s >= 20 && s < 40) return RttCode.NO_REPLY;
  const epoch = Math.floor((at - t0) / 10_000);
  const h = Math.imul(a * 7919 + t * 104_729 + epoch * 15_485_863, 2_654_435_761) >>> 24; // 0..255
  if (h < 7) return RttCode.NO_REPLY;
  if (h < 13) return 150_000;
  return 800 + ((a * 31 + t * 17) % 5000);
};

async function main(): Promise<void> {
  const phase = (a: number) => ((a - 1) * PROBE_INTERVAL_MS) / A;
  let gone = false;
  for (let ms = 0; ms < SECONDS * 1000; ms += COMMIT_MS) {
    now = t0 + ms + COMMIT_MS;
    const s = ms / 1000;
    if (ms === WARMUP_S * 1000) m.steadySweptStart = tracker.sweptCells;
    if (!gone && s >= 45 && s < 60) {
      gone = true;
      stepStart();
      tracker.setAgents(online(true), now);
      stepEnd();
    } else if (gone && s >= 60) {
      gone = false;
      stepStart();
      tracker.setAgents(online(false), now);
      stepEnd();
    }
    // The agents whose round ends in this commit window; a backlog of 200 rounds at 50 s.
    const senders: number[] = [];
    for (let a = 1; a <= A; a++) {
      const sentAt = phase(a) + Math.max(0, Math.ceil((ms - phase(a)) / PROBE_INTERVAL_MS)) * PROBE_INTERVAL_MS;
      if (sentAt < ms + COMMIT_MS && !(gone && a === GONE_AGENT)) senders.push(a);
    }
    const backlog = ms === 50_000;
    const rounds = backlog ? Array.from({ length: 200 }, (_, i) => ((i * 5) % A) + 1) : senders;
    const n = rounds.length * T;
    const pairs = new Int32Array(n);
    const at = new Float64Array(n);
    const rtt = new Int32Array(n);
    let i = 0;
    for (const a of rounds) {
      const sent = t0 + ms - (backlog ? 1000 : 0);
      for (let t = 1; t <= T; t++, i++) {
        pairs[i] = cells.cell(a, t);
        at[i] = sent - PROBE_INTERVAL_MS + (t * PROBE_INTERVAL_MS) / T;
        rtt[i] = rttOf(a, t, at[i]);
      }
    }
    if (n) {
      stepStart();
      queue.stored(pairs, at, rtt, now);
      stepEnd();
    }
    if ((ms + COMMIT_MS) % 1000 === 0) {
      stepStart();
      const swept = queue.sweep();
      stepEnd();
      await swept;
      stepEnd(); // the sweep's last step ends without a pause
    }
    await queue.idle();
    stepEnd(); // so does a queue's last step
    hashDrained();
  }
  const mem = process.memoryUsage();
  const steadyS = SECONDS - WARMUP_S;
  process.stdout.write(
    JSON.stringify({
      agents: A,
      targets: T,
      seconds: SECONDS,
      cpuPercent: (m.cpuMs * 100) / (steadyS * 1000),
      warmupCpuPercent: (m.warmupCpuMs * 100) / (WARMUP_S * 1000),
      longestStepMs: m.longestStepMs,
      longestStepAt: m.longestStepAt,
      longestStepCpuMs: m.longestStepCpuMs,
      longestSteadyStepMs: m.longestSteadyStepMs,
      longestSteadyStepCpuMs: m.longestSteadyStepCpuMs,
      sweptCellsPerSecond: (tracker.sweptCells - m.steadySweptStart) / steadyS,
      steps: m.steps,
      transitions: m.transitions,
      digest,
      trackerBytes: tracker.bytes(),
      heapUsed: mem.heapUsed,
      arrayBuffers: mem.arrayBuffers,
      rss: mem.rss,
      goneAgentState: tracker.lineState(2, GONE_AGENT),
      badTargetState: tracker.lineState(1, BAD_TARGET),
      up: CellState.UP,
    }),
  );
}

void main();
