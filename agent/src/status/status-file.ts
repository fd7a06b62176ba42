import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the running daemon tells `meshping-agent status` and `reload`: it rewrites
 * <state-dir>/status.json (0600) every few seconds and at every change of connection state.
 */
export interface AgentStatus extends RuntimeStatus {
  pid: number;
  version: string;
  configFile: string;
  startedAt: number;
  updatedAt: number;
}

/** The running agent's part of the status (AgentRuntime.status()); the daemon adds the process's. */
export interface RuntimeStatus {
  server: string;
  /** connecting | connected | pending (awaiting approval) | hold (re-approval needed) | disconnected | stopped */
  connection: 'connecting' | 'connected' | 'pending' | 'hold' | 'disconnected' | 'stopped';
  connectedSince: number | null;
  agentId: number | null;
  targets: number;
  targetsVersion: number | null;
  buffer: {
    depth: number;
    bytes: number;
    maxBytes: number;
    windowSeconds: number;
    backlogFrames: number;
    produced: number;
    /** Dropped since start (all reported to the server as gaps): by the time window or by the memory bound. */
    dropped: number;
    droppedByWindow: number;
    droppedByMemory: number;
    /** Unacknowledged results the previous run kept in the state dir and this one took over. */
    restored: number;
  };
  /** The latest problem: a drop (and its cause), a refused connection, a failed reload ... */
  lastError: string | null;
  /** Why the link last went down (a silent server, closed by the server, a socket error); null if it never did. */
  disconnectReason: string | null;
}

export const STATUS_FILE = 'status.json';
/** The daemon rewrites the file at least this often; an older file means the daemon is gone or stuck. */
export const STATUS_EVERY_MS = 5_000;

export function statusPath(stateDir: string): string {
  return join(stateDir, STATUS_FILE);
}

export function writeStatus(stateDir: string, status: AgentStatus): void {
  const file = statusPath(stateDir);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(status), { mode: 0o600 });
  renameSync(tmp, file);
}

export function readStatus(stateDir: string): AgentStatus | null {
  const file = statusPath(stateDir);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AgentStatus;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
