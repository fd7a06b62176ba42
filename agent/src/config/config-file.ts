import { ConfigError } from '@meshping/node-kit';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const DEFAULT_CONFIG_FILE = '/etc/meshping/agent.json';

/**
 * The agent's config file: a JSON object of the keys below (what `meshping-agent set KEY VALUE`
 * takes), each standing for one MESHPING_* variable. A variable in the environment wins over the
 * file, so the launcher and containers keep configuring the agent through the environment alone.
 */
export const FILE_KEYS = {
  passphrase: 'MESHPING_PASSPHRASE',
  'server-url': 'MESHPING_SERVER_URL',
  'server-fingerprint': 'MESHPING_SERVER_FINGERPRINT',
  'token-file': 'MESHPING_AGENT_TOKEN_FILE',
  'state-dir': 'MESHPING_AGENT_STATE_DIR',
  hostname: 'MESHPING_AGENT_HOSTNAME',
  'log-level': 'MESHPING_LOG_LEVEL',
  'buffer-window-seconds': 'MESHPING_BUFFER_WINDOW_SECONDS',
  'buffer-max-mb': 'MESHPING_BUFFER_MAX_MB',
  'probe-jitter-ms': 'MESHPING_PROBE_JITTER_MS',
} as const;
export type FileKey = keyof typeof FILE_KEYS;

export function isFileKey(key: string): key is FileKey {
  return Object.prototype.hasOwnProperty.call(FILE_KEYS, key);
}

/** Which file: --config, else MESHPING_AGENT_CONFIG, else the default. */
export function configFilePath(explicit: string | undefined, env: Record<string, string | undefined>): string {
  return explicit ?? env['MESHPING_AGENT_CONFIG'] ?? DEFAULT_CONFIG_FILE;
}

/** Reads the file; a missing file is an empty config (the environment may carry everything). */
export function readConfigFile(path: string): Partial<Record<FileKey, string>> {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ${path}: not readable JSON (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`Invalid configuration:\n  ${path}: must be a JSON object of settings`);
  }
  const problems: string[] = [];
  const out: Partial<Record<FileKey, string>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!isFileKey(key)) problems.push(`${key} (in ${path}): unknown setting; known: ${Object.keys(FILE_KEYS).join(', ')}`);
    else if (typeof value !== 'string' && typeof value !== 'number') problems.push(`${key} (in ${path}): must be a string or a number`);
    else out[key] = String(value);
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return out;
}

/**
 * Writes the file readable by its owner only (it holds the join passphrase), atomically. The owner
 * stays who owned it before; a new file written by root goes to the service user (SERVICE_USER)
 * when that user exists, so the daemon (User=meshping in deploy/systemd) can read it.
 */
export function writeConfigFile(path: string, values: Partial<Record<FileKey, string>>): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const owner = existsSync(path) ? statSync(path) : process.getuid?.() === 0 ? serviceUser() : null;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  if (owner && process.getuid?.() === 0) chownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, path);
}

/** The dedicated user of deploy/systemd/meshping-agent.service. */
export const SERVICE_USER = 'meshping';

function serviceUser(): { uid: number; gid: number } | null {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${SERVICE_USER}:`));
    if (!line) return null;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return null;
  }
}

/** The file's settings as MESHPING_* variables, plus which variable came from which key. */
export function fileAsEnv(values: Partial<Record<FileKey, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) env[FILE_KEYS[key as FileKey]] = value as string;
  return env;
}
