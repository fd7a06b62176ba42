// The rule engine alone at 1,000 agents x 1,000 targets (L2), on simulated time, for
// alerts.bench.mjs: every pair probed once per 5-s round (a million samples), counted as ingest
// would hand them over (batches of 10,000, the group commit's size), then one evaluation of the
// default rules. Only the engine's calls are timed (process CPU time around them), so what it costs
// the server is (add + evaluate) per 5 s of probing. The mesh: 10 sites of 100 agents and 100
// targets; rounds 20-79 a target down everywhere, an agent's row bad, and site 3 cut off from the
// others, so localisation works at full size while it is timed.
import { RttCode } from '@meshping/protocol';
import { DEFAULT_RULES } from '../../server/src/app/alerts/alert-rule';
import { AlertEngine } from '../../server/src/app/alerts/engine/alert-engine';
import type { MeshView } from '../../server/src/app/alerts/engine/rule-evaluator';

const A = Number(process.env.ALERTS_AGENTS ?? 1000);
const T = Number(process.env.ALERTS_TARGETS ?? 1000);
const ROUNDS = Number(process.env.ALERTS_ROUNDS ?? 120);
const BATCH = 10_000;
const INTERVAL = 5_000;

const site = (i: number) => `s${Math.floor(((i - 1) * 10) / A)}`;
const tsite = (i: number) => `s${Math.floor(((i - 1) * 10) / T)}`;
const engine = new AlertEngine();
engine.setRules(DEFAULT_RULES.map((r, i) => ({ ...r, id: i + 1 })));
engine.setTargetThresholds(new Float64Array(T + 1).fill(100_000));
const t0 = Date.UTC(2026, 11, 3);
const rows = Array.from({ length: A }, (_, a) => {
  const row = new Int32Array(T + 1).fill(-1);
  for (let t = 1; t <= T; t++) row[t] = a * T + t - 1;
  return row;
});
const mesh: MeshView = {
  agents: Array.from({ length: A }, (_, i) => ({ id: i + 1, group: site(i + 1), online: true, lastSeenAt: t0 })),
  targets: Array.from({ length: T }, (_, i) => ({ id: i + 1, group: tsite(i + 1) })),
  pairRow: (id) => rows[id - 1],
};
const targetOf = (p: number) => (p % T) + 1;
const pairs = new Int32Array(A * T).map((_, i) => i);
const at = new Float64Array(A * T);
const rtt = new Int32Array(A * T);

let addMs = 0;
let evalMs = 0;
let maxEvalMs = 0;
let maxAddBatchMs = 0;
let firstRoundAddMs = 0;
let maxTurnMs = 0;
const opened = new Set<string>();
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function main(): Promise<void> {
for (let r = 0; r < ROUNDS; r++) {
  const now = t0 + r * INTERVAL;
  const faults = r >= 20 && r < 80;
  for (let a = 1; a <= A; a++) {
    for (let t = 1; t <= T; t++) {
      const i = (a - 1) * T + t - 1;
      at[i] = now + ((i * 7) % INTERVAL);
      const lost = faults && (t === 17 || a === 42 || (site(a) === 's3') !== (tsite(t) === 's3'));
      rtt[i] = lost ? RttCode.NO_REPLY : 800 + ((i * 13) % 5000);
    }
  }
  for (let i = 0; i < A * T; i += BATCH) {
    const end = Math.min(A * T, i + BATCH);
    const c0 = cpu();
    engine.add(pairs.subarray(i, end), at.subarray(i, end), rtt.subarray(i, end), targetOf, now + INTERVAL);
    const ms = cpu() - c0;
    addMs += ms;
    // Round 0 grows the counters to a million pairs (once in a server's life); steady state after.
    if (r === 0) firstRoundAddMs += ms;
    else maxAddBatchMs = Math.max(maxAddBatchMs, ms);
  }
  // As the server runs it: one rule per turn of the event loop; the longest turn is what ingest waits.
  const c0 = cpu();
  let turn = c0;
  let step = 0;
  const pause = async () => {
    const t = cpu();
    if (process.env.ALERTS_TURNS && t - turn > 15) process.stderr.write(`round ${r} step ${step}: ${(t - turn).toFixed(1)} ms\n`);
    step++;
    maxTurnMs = Math.max(maxTurnMs, t - turn);
    await new Promise<void>((resolve) => setImmediate(resolve));
    turn = cpu();
  };
  for (const t of await engine.evaluateInSlices(now + INTERVAL, mesh, pause)) if (t.type === 'opened') opened.add(t.key);
  maxTurnMs = Math.max(maxTurnMs, cpu() - turn);
  const ms = cpu() - c0;
  evalMs += ms;
  maxEvalMs = Math.max(maxEvalMs, ms);
}
const simulatedMs = ROUNDS * INTERVAL;
process.stdout.write(
  JSON.stringify({
    agents: A,
    targets: T,
    rounds: ROUNDS,
    addMsPerRound: addMs / ROUNDS,
    evalMsPerRound: evalMs / ROUNDS,
    maxEvalMs,
    maxAddBatchMs,
    firstRoundAddMs,
    maxTurnMs,
    cpuPercent: ((addMs + evalMs) * 100) / simulatedMs,
    windowBytes: engine.figures().windowBytes,
    opened: [...opened].sort(),
  }),
);
}

void main();
