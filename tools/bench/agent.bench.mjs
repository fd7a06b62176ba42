// Agent cost: one built agent probing 1,000 loopback targets (127.0.x.y) every 5 s, side by side in
// the same run with fping probing the same targets at the same rate (-l -p 5000, spread over the
// period). CPU % of one core from /proc/<pid>/stat (user + system) over the measuring window, RSS
// from /proc/<pid>/status (peak of once-a-second samples). The agent talks to a minimal WebSocket
// endpoint in this process that speaks the agent protocol (hello -> welcome + the 1,000 targets,
// every results frame acknowledged at once), so the figures are the agent's own cost, not the
// server's. Needs root (raw sockets; fping is installed with apt-get when missing).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const TARGETS = 1000;
/**
 * As the unit starts it: a 1 MB young generation and V8 optimising for size keep RSS low (CPU cost
 * within noise); one V8 worker thread, not Node's four (fewer thread stacks and malloc arenas).
 */
const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size', '--v8-pool-size=1'];
const WARMUP_MS = 20_000;
const MEASURE_MS = 90_000;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
}
function rssMb(pid, field = 'VmRSS') {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** libs/protocol for this script (TypeScript, bundled by esbuild): the agent's binary results frames are read with its own parser. */
async function protocolLib(root) {
  const { build } = await import('esbuild');
  const outfile = join(root, 'dist/bench/protocol.cjs');
  await build({ entryPoints: [join(root, 'libs/protocol/src/index.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile, packages: 'external', logLevel: 'error' });
  return createRequire(import.meta.url)(outfile);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
};

export default async function agentBench({ root, tmp, log }) {
  if (process.getuid?.() !== 0) throw new Error('the agent benchmark needs root (raw ICMP sockets)');
  const agentMain = join(root, 'dist/agent/main.js');
  if (!existsSync(agentMain)) throw new Error('dist/agent/main.js missing: npm run build');
  try {
    execFileSync('fping', ['-v'], { stdio: 'ignore' });
  } catch {
    log('installing fping (apt-get)');
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'fping'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const fpingVersion = execFileSync('fping', ['-v'], { encoding: 'utf8' }).trim().split('\n')[0];
  const addresses = Array.from({ length: TARGETS }, (_, i) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`);

  const { parseResultsFrame } = await protocolLib(root);
  // A bad frame is remembered and fails the run after the processes are stopped (a throw in this
  // handler would end the bench and leave the agent and fping running).
  let badFrame = null;
  const resultsOf = (frame) => {
    const parsed = parseResultsFrame(frame);
    if (parsed.ok) return { type: 'results', ...parsed.value };
    badFrame ??= parsed.error;
    return { type: 'bad-frame' };
  };
  // The protocol endpoint (ws from the workspace's node_modules).
  const { WebSocketServer } = createRequire(join(root, 'package.json'))('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/agent' });
  await new Promise((r) => wss.once('listening', r));
  const received = { frames: 0, samples: 0, bytes: 0, replies: 0, rtts: [] };
  let counting = false;
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      const msg = isBinary ? resultsOf(data) : JSON.parse(data.toString());
      if (msg.type === 'hello') {
        socket.send(JSON.stringify({ type: 'welcome', protocol: msg.protocol, agentId: 1, serverTime: Date.now() }));
        socket.send(JSON.stringify({ type: 'targets', version: 1, targets: addresses.map((address, i) => ({ id: i + 1, address, name: null })) }));
      } else if (msg.type === 'results') {
        socket.send(JSON.stringify({ type: 'ack', seq: msg.seq }));
        if (!counting) return;
        received.frames += 1;
        received.bytes += data.length;
        received.samples += msg.target.length;
        for (const rtt of msg.rtt) if (rtt >= 0) (received.replies++, received.rtts.push(rtt));
      }
    });
  });

  writeFileSync(join(tmp, 'token'), 'b'.repeat(43));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHPING_')));
  // As deploy/systemd/meshping-agent.service and deploy/bin/meshping-agent start it.
  const agent = spawn(process.execPath, [...AGENT_NODE_FLAGS, agentMain, 'run'], {
    env: {
      ...clean,
      MESHPING_SERVER_URL: `http://127.0.0.1:${wss.address().port}`,
      MESHPING_AGENT_TOKEN_FILE: join(tmp, 'token'),
      MESHPING_AGENT_STATE_DIR: join(tmp, 'state'),
      MESHPING_AGENT_CONFIG: join(tmp, 'none.json'),
      MESHPING_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let agentErr = '';
  agent.stderr.on('data', (d) => (agentErr += d));
  // fping: loop (-l), each target every 5,000 ms (-p), 5 ms between sends (-i) = 1,000 targets per 5 s,
  // 3 s timeout (-t) like the agent, quiet (-q) with no per-reply output.
  const fping = spawn('fping', ['-l', '-q', '-p', '5000', '-i', '5', '-t', '3000', '-r', '0', ...addresses], { stdio: ['ignore', 'ignore', 'pipe'] });
  let fpingErr = '';
  fping.stderr.on('data', (d) => (fpingErr = (fpingErr + d).slice(-2000)));

  try {
    log(`warming up ${WARMUP_MS / 1000} s (agent pid ${agent.pid}, fping pid ${fping.pid})`);
    await sleep(WARMUP_MS);
    if (agent.exitCode !== null) throw new Error(`the agent exited ${agent.exitCode}: ${agentErr}`);
    if (fping.exitCode !== null) throw new Error(`fping exited ${fping.exitCode}: ${fpingErr}`);
    counting = true;
    const start = { t: process.hrtime.bigint(), agent: cpuTicks(agent.pid), fping: cpuTicks(fping.pid) };
    const rss = { agent: [], fping: [] };
    log(`measuring ${MEASURE_MS / 1000} s`);
    for (let t = 0; t < MEASURE_MS; t += 1000) {
      await sleep(1000);
      rss.agent.push(rssMb(agent.pid));
      rss.fping.push(rssMb(fping.pid));
    }
    if (badFrame) throw new Error(`the agent sent a bad results frame: ${badFrame}`);
    const seconds = Number(process.hrtime.bigint() - start.t) / 1e9;
    const pct = (ticks) => (ticks / CLK_TCK / seconds) * 100;
    const agentCpu = pct(cpuTicks(agent.pid) - start.agent);
    const fpingCpu = pct(cpuTicks(fping.pid) - start.fping);
    counting = false;
    const agentRss = Math.max(...rss.agent);
    const agentHwm = rssMb(agent.pid, 'VmHWM'); // the process's peak since start, start-up included
    const fpingRss = Math.max(...rss.fping);
    const expected = (TARGETS * seconds) / 5;
    const ratio = agentCpu / fpingCpu;
    const round = (x, d = 2) => Number(x.toFixed(d));
    const figures = {
      'agent.cpu_percent_1000_targets': round(agentCpu),
      'agent.rss_mb_1000_targets': round(agentRss, 1),
      'fping.cpu_percent_1000_targets': round(fpingCpu),
      'fping.rss_mb_1000_targets': round(fpingRss, 1),
      'agent.cpu_ratio_vs_fping': round(ratio),
      'agent.peak_rss_since_start_mb': round(agentHwm, 1),
      'agent.results_bytes_per_sample': round(received.bytes / Math.max(1, received.samples), 1),
    };
    const markdown = `
One agent (\`node ${AGENT_NODE_FLAGS.join(' ')} dist/agent/main.js run\`, as the systemd unit starts it) and \`fping\` (${fpingVersion}) probe the same ${TARGETS} loopback
targets (127.0.1.1 ... 127.0.4.250), each every 5 s, at the same time for ${round(seconds, 0)} s after a
${WARMUP_MS / 1000} s warm-up. CPU is user + system time of the process over the window, in % of one core
(on loopback the kernel's echo replies are charged to the sender, for both). RSS is the peak of
once-a-second samples of VmRSS. The agent streams its results over a real WebSocket to a minimal
endpoint in the benchmark process that speaks the agent protocol (welcome, the target list, an ack
per results frame), so the server's own cost is not in these figures.

| | CPU % of one core | peak RSS |
|---|---|---|
| meshping agent | ${round(agentCpu)} % | ${round(agentRss, 1)} MB |
| fping -l -p 5000 -i 5 | ${round(fpingCpu)} % | ${round(fpingRss, 1)} MB |
| agent / fping | **${round(ratio)} x** (goal <= 1.5 x) | goal <= 64 MB: **${agentRss <= 64 ? 'met' : 'missed'}** |

The agent's own peak since it started (VmHWM, start-up and the first target list included): ${round(agentHwm, 1)} MB.

Results the endpoint received in the window: ${received.samples} samples (${round((received.samples / expected) * 100, 1)} % of
${Math.round(expected)} expected), ${received.replies} replies, median RTT ${round(median(received.rtts) / 1000, 3)} ms,
${received.frames} frames, ${round(received.bytes / Math.max(1, received.samples), 1)} bytes per sample on the wire.
`;
    return { title: 'Agent cost: 1,000 targets every 5 s, beside fping', figures, markdown };
  } finally {
    agent.kill('SIGTERM');
    fping.kill('SIGTERM');
    await new Promise((r) => (agent.exitCode !== null ? r() : agent.once('exit', r)));
    wss.close();
  }
}
