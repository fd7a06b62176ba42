// The state-change tracker's cost at L2 (1,000 agents x 1,000 targets): tools/bench/state-changes-sim.ts,
// the server's own tracker and judge queue bundled by esbuild, run in a child process on simulated
// time, three times (the machine may be shared: CPU and the longest step are the median run's, the
// worst step is shown too). Goals: at most 5 % of a core, no synchronous step over 20 ms.
import { bundleScript, run } from './ingest.bench.mjs';

const RUNS = 3;
const GOAL_PERCENT = 5;
const GOAL_STEP_MS = 20;
const r2 = (n) => Math.round(n * 100) / 100;
const mib = (bytes) => r2(bytes / 2 ** 20);
/**
 * The tracker as it was at d59fe73 (every commit judged at once, a full sweep of the million pairs
 * every second in 100,000-pair slices), run by this same simulation through a shim of that
 * service's sequencing, on the machine of the first run of this benchmark (2026-12-03, 2 vCPUs
 * shared with other work): three runs.
 */
const BEFORE = {
  cpuPercent: '1.32-1.63',
  firstRoundCpuPercent: '4.2-5.4',
  longestStepMs: '71-100 ms (at 2.65 s: the arrays doubling to a million cells)',
  longestSteadyStepMs: '12.6-19.8 ms',
  sweptCellsPerSecond: '1,000,000',
  trackerMib: 30.1,
};

export default async function stateChangesBench({ root, log }) {
  const outfile = await bundleScript(root, 'state-changes-sim');
  log(`1,000 agents x 1,000 targets, 70 simulated seconds, ${RUNS} runs`);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = JSON.parse(await run(process.execPath, [outfile], {}));
    log(JSON.stringify(r));
    runs.push(r);
  }
  if (new Set(runs.map((r) => r.digest)).size !== 1) throw new Error('the runs recorded different logs');
  const r = [...runs].sort((a, b) => a.cpuPercent - b.cpuPercent)[Math.floor(RUNS / 2)];
  const worst = (key) => Math.max(...runs.map((x) => x[key]));
  const median = (key) => [...runs].sort((a, b) => a[key] - b[key])[Math.floor(RUNS / 2)][key];
  // Wall time includes whatever else the machine runs (a shared one preempts): the median run's longest step is the figure, the worst is shown too.
  const longest = median('longestStepMs');
  const longestAt = runs.find((x) => x.longestStepMs === longest).longestStepAt;
  const stepGoal = worst('longestStepMs') <= GOAL_STEP_MS ? 'met' : longest <= GOAL_STEP_MS ? 'met by the median run, not by the worst' : 'NOT met';
  const figures = {
    'state_changes.cpu_percent_l2': r2(r.cpuPercent),
    'state_changes.first_round_cpu_percent_l2': r2(r.warmupCpuPercent),
    'state_changes.longest_step_ms_l2': r2(longest),
    'state_changes.longest_step_worst_ms_l2': r2(worst('longestStepMs')),
    'state_changes.longest_step_cpu_ms_l2': r2(median('longestStepCpuMs')),
    'state_changes.longest_steady_step_ms_l2': r2(median('longestSteadyStepMs')),
    'state_changes.swept_cells_per_s_l2': Math.round(r.sweptCellsPerSecond),
    'state_changes.tracker_mib_l2': mib(r.trackerBytes),
    'state_changes.rss_mib_l2': mib(r.rss),
  };
  const markdown = `
The state-change tracker alone (server/src/app/state-changes: StateTracker behind its JudgeQueue,
as the service runs it; the SQLite writer is not included), at L2: 1,000 agents x 1,000 targets.
Each agent sends its round of 1,000 results every 5 s, the agents spread over the interval (200,000
samples a simulated second); what arrives in each 50-ms commit delay is committed as one batch
(10 agents, 10,000 samples: the group commit's shape). Every simulated second a sweep runs. About
5 % of the pairs change state in each 10-s epoch (no reply or over the threshold, then back), target
17 is down for every agent from 20 s to 40 s, agent 42 disconnects at 45 s and reconnects at 60 s,
and at 50 s a 200,000-sample backlog is committed at once. 70 simulated seconds; the first 10 are the
first round, which records every pair's first state (once in a server's life), and are counted
apart. Timed: every synchronous step of the tracker (between two yields to the event loop), wall
time and process CPU time (which includes V8's GC and compiler threads). ${RUNS} runs; CPU and the
longest step are the median run's (wall time includes preemption by whatever else the machine
runs), the worst run's step is shown beside it. Every run records the same log
(${r.transitions.toLocaleString('en')} transitions, digest ${r.digest}), which is also what the
tracker before this rewrite recorded.

| figure | before (d59fe73) | now | goal |
|---|---|---|---|
| CPU, share of one core, after the first round | ${BEFORE.cpuPercent} % | ${r2(r.cpuPercent)} % | <= ${GOAL_PERCENT} % (${r.cpuPercent <= GOAL_PERCENT ? 'met' : 'NOT met'}) |
| CPU in the first round (every pair's first state) | ${BEFORE.firstRoundCpuPercent} % | ${r2(r.warmupCpuPercent)} % | |
| longest synchronous step, whole run | ${BEFORE.longestStepMs} | ${r2(longest)} ms (at ${(longestAt / 1000).toFixed(2)} simulated s; worst run ${r2(worst('longestStepMs'))} ms; by process CPU time, which counts V8's GC and compiler threads too, ${r2(median('longestStepCpuMs'))} ms) | <= ${GOAL_STEP_MS} ms (${stepGoal}) |
| longest synchronous step after the first round | ${BEFORE.longestSteadyStepMs} | ${r2(median('longestSteadyStepMs'))} ms (worst run ${r2(worst('longestSteadyStepMs'))} ms) | |
| cells re-judged by sweeps, per second | ${BEFORE.sweptCellsPerSecond} | ${Math.round(r.sweptCellsPerSecond).toLocaleString('en')} (in a run of this benchmark: 4 row scans around agent 42's disconnection and return, 8 rows in each of the two sweeps after the backlog) | |
| tracker arrays | ${BEFORE.trackerMib} MiB | ${mib(r.trackerBytes)} MiB (+4 B a pair: its row generation; + the rows' pair lists) | |
| process RSS at the end | | ${mib(r.rss)} MiB (the simulation's own arrays included) | |

The before column is this simulation run against the tracker of d59fe73 through a shim of that
service's sequencing (each commit judged at once, a full sweep in 100,000-pair slices), on the same
machine and day; it is not re-measured by this command.
`;
  return { title: 'State-change log at 1,000 x 1,000', figures, markdown };
}
