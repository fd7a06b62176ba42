import { spawnSync } from 'node:child_process';
import { ConfigError } from '@meshping/node-kit';
import { DEFAULT_STATE_DIR, loadAgentSettings } from '../config/agent-config';
import { configFilePath, readConfigFile } from '../config/config-file';
import { STATUS_EVERY_MS, processAlive, readStatus, statusPath, type AgentStatus } from '../status/status-file';
import { parseFlags } from './probe-command';

type Out = (line: string) => void;
export const UNIT = 'meshping-agent.service';

/** `enable` / `disable`: the systemd unit (deploy/systemd/meshping-agent.service), started or stopped now too. */
export function systemdCommand(action: 'enable' | 'disable', out: Out): number {
  const args = action === 'enable' ? ['enable', '--now', UNIT] : ['disable', '--now', UNIT];
  const result = spawnSync('systemctl', args, { encoding: 'utf8' });
  if (result.error) {
    out(`systemctl is not available here (${result.error.message}). Without systemd, run "meshping-agent run" under your service manager.`);
    return 1;
  }
  if (result.status !== 0) {
    out(`systemctl ${args.join(' ')} failed: ${(result.stderr || result.stdout).trim()}`);
    if (/not found|does not exist|No such file/i.test(result.stderr)) {
      out(`Install the unit first: sudo cp deploy/systemd/${UNIT} /etc/systemd/system/ && sudo systemctl daemon-reload`);
    }
    return 1;
  }
  out(action === 'enable' ? `Enabled and started ${UNIT}. Check it with "meshping-agent status".` : `Stopped and disabled ${UNIT}.`);
  return 0;
}

/** The daemon's status file, if a live daemon wrote it recently. */
function liveStatus(configFile: string | undefined): { status: AgentStatus | null; stateDir: string; live: boolean; problem: string | null } {
  let stateDir: string;
  let problem: string | null = null;
  try {
    stateDir = loadAgentSettings(configFile).config.MESHPING_AGENT_STATE_DIR;
  } catch (err) {
    // A broken or missing config must not hide a running agent: look where the file says, or the default.
    if (!(err instanceof ConfigError)) throw err;
    problem = err.message.replace(/^Invalid configuration:\n\s*/, '');
    const file = configFilePath(configFile, process.env);
    let fromFile: string | undefined;
    try {
      fromFile = readConfigFile(file)['state-dir'];
    } catch {
      /* unreadable: the default */
    }
    stateDir = process.env['MESHPING_AGENT_STATE_DIR'] ?? fromFile ?? DEFAULT_STATE_DIR;
  }
  const status = readStatus(stateDir);
  const live = !!status && status.connection !== 'stopped' && processAlive(status.pid);
  return { status, stateDir, live, problem };
}

/** `meshping-agent status [--json]`: exit 0 running and connected, 1 running but not connected, 3 not running (LSB). */
export function statusCommand(args: string[], configFile: string | undefined, out: Out, now = Date.now()): number {
  const { flags } = parseFlags(args, [], ['json']);
  const { status, stateDir, live, problem } = liveStatus(configFile);
  if (flags['json']) {
    out(JSON.stringify({ running: live, ...(status ?? {}) }));
    return !live ? 3 : status?.connection === 'connected' ? 0 : 1;
  }
  if (!status) {
    out(`State:       not running (no status in ${statusPath(stateDir)})`);
    if (problem) out(`Config:      not usable: ${problem}`);
    else out('             Start it with "meshping-agent enable" (systemd) or "meshping-agent run" (foreground).');
    return 3;
  }
  const age = now - status.updatedAt;
  const state = !live
    ? `not running (last seen ${ago(age)}, pid ${status.pid})`
    : age > 3 * STATUS_EVERY_MS
      ? `running (pid ${status.pid}) but not responding for ${ago(age)}`
      : `running (pid ${status.pid}, version ${status.version}, up ${ago(now - status.startedAt)})`;
  const connection = {
    connecting: 'connecting ...',
    connected: `connected since ${ago(now - (status.connectedSince ?? now))}${status.agentId ? ` as agent #${status.agentId}` : ''}`,
    pending: 'registered, waiting for an admin to approve this agent on the Agents screen (measuring into the buffer)',
    hold: 'on hold: this agent\'s address changed; an admin must re-approve it (measuring into the buffer)',
    disconnected: 'disconnected, retrying (results are kept in the buffer)',
    stopped: 'stopped',
  }[status.connection];
  const b = status.buffer;
  out(`State:       ${state}`);
  out(`Server:      ${status.server}`);
  out(`Connection:  ${live ? connection : 'none (not running)'}`);
  out(`Targets:     ${status.targets}${status.targetsVersion !== null ? ` (list version ${status.targetsVersion})` : ''}, each probed every 5 s`);
  out(
    `Buffer:      ${b.depth} results not yet acknowledged by the server (${mb(b.bytes)} of ${mb(b.maxBytes)}, window ${b.windowSeconds / 60} min)` +
      (b.backlogFrames ? `, ${b.backlogFrames} batches left to resend` : ''),
  );
  // Older daemons' status files lack the causes: say "dropped" alone then.
  const causes = [
    b.droppedByWindow ? `${b.droppedByWindow} older than the window` : '',
    b.droppedByMemory ? `${b.droppedByMemory} at the memory bound` : '',
  ].filter(Boolean);
  out(
    `             ${b.produced} measured since start${b.restored ? ` (plus ${b.restored} kept from the last run)` : ''}, ${b.dropped} dropped` +
      (causes.length ? ` (${causes.join(', ')}; reported to the server as a gap)` : ''),
  );
  out(`Last error:  ${status.lastError ?? 'none'}`);
  if (status.disconnectReason) out(`Link lost:   ${status.disconnectReason}`);
  out(`Config:      ${status.configFile}${problem ? ` (now not usable: ${problem})` : ''}`);
  return !live ? 3 : status.connection === 'connected' ? 0 : 1;
}

/** `meshping-agent reload`: SIGHUP to the running daemon, which re-reads its config and keeps its buffer. */
export function reloadCommand(configFile: string | undefined, out: Out): number {
  const { status, live } = liveStatus(configFile);
  if (!status || !live) {
    out('No running agent found: nothing to reload. Start it with "meshping-agent enable" or "meshping-agent run".');
    return 3;
  }
  process.kill(status.pid, 'SIGHUP');
  out(`Asked the agent (pid ${status.pid}) to re-read ${status.configFile}; its buffered results are kept. "meshping-agent status" shows the outcome.`);
  return 0;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
