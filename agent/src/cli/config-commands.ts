import { ConfigError } from '@meshping/node-kit';
import { decodePassphrase } from '@meshping/protocol';
import { existsSync } from 'node:fs';
import { agentConfigSchema } from '../config/agent-config';
import { FILE_KEYS, isFileKey, readConfigFile, writeConfigFile, type FileKey } from '../config/config-file';
import { parseFlags, UsageError } from './probe-command';

type Out = (line: string) => void;

/** Checks one setting's value with the same rules the daemon applies; the error names the key. */
export function checkSetting(key: string, value: string): void {
  if (!isFileKey(key)) throw new UsageError(`unknown setting "${key}"; the settings are: ${Object.keys(FILE_KEYS).join(', ')}`);
  const field = agentConfigSchema.shape[FILE_KEYS[key]];
  const result = field.safeParse(value);
  if (!result.success) throw new ConfigError(`${key}: ${result.error.issues.map((i) => i.message).join('; ')}`);
}

/**
 * `meshping-agent init PASSPHRASE [--hostname NAME] [--server-url URL] [--state-dir DIR] [--force]`:
 * writes the config file (0600) from the join passphrase an admin copied from the server.
 */
export function initCommand(args: string[], file: string, out: Out): number {
  const options = ['hostname', 'server-url', 'state-dir', 'log-level', 'buffer-window-seconds', 'buffer-max-mb', 'probe-jitter-ms'];
  const { positional, flags } = parseFlags(args, options, ['force']);
  const passphrase = positional[0];
  if (!passphrase || positional.length > 1) {
    throw new UsageError(
      'usage: meshping-agent init PASSPHRASE [--hostname NAME] [--server-url URL] [--state-dir DIR] [--force]\n' +
        "The passphrase is on the server's agent registration screen (it starts with \"mpj1.\").",
    );
  }
  if (existsSync(file) && !flags['force']) {
    throw new UsageError(`${file} exists already. Change single settings with "meshping-agent set KEY VALUE", or start over with --force.`);
  }
  checkSetting('passphrase', passphrase);
  const values: Partial<Record<FileKey, string>> = { passphrase: passphrase.trim() };
  for (const key of options) {
    const value = flags[key];
    if (typeof value === 'string') {
      checkSetting(key, value);
      values[key as FileKey] = value;
    }
  }
  writeConfigFile(file, values);
  const server = decodePassphrase(passphrase.trim())?.url;
  out(`Wrote ${file} (readable by its owner only). The agent will register with ${server}.`);
  out('Next: "meshping-agent enable" starts it under systemd; an admin then approves it on the Agents screen.');
  return 0;
}

/** `meshping-agent set KEY VALUE` / `unset KEY`: one setting, validated before it is written. */
export function setCommand(args: string[], file: string, out: Out, unset = false): number {
  const [key, value, ...rest] = args;
  if (!key || (unset ? value !== undefined : value === undefined || rest.length)) {
    throw new UsageError(unset ? 'usage: meshping-agent unset KEY' : `usage: meshping-agent set KEY VALUE  (keys: ${Object.keys(FILE_KEYS).join(', ')})`);
  }
  if (unset && !isFileKey(key)) checkSetting(key, '');
  if (!unset) checkSetting(key, value);
  const values = readConfigFile(file);
  if (unset) delete values[key as FileKey];
  else values[key as FileKey] = value;
  writeConfigFile(file, values);
  out(`${unset ? 'Removed' : 'Set'} ${key} in ${file}. A running agent applies it after "meshping-agent reload".`);
  return 0;
}
