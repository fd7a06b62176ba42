import { ConfigError } from '@meshping/node-kit';
import { initCommand, setCommand } from './cli/config-commands';
import { runDaemon } from './cli/daemon';
import { probeCommand, UsageError } from './cli/probe-command';
import { wakeCommand } from './cli/wake-command';
import { reloadCommand, statusCommand, systemdCommand } from './cli/service-commands';
import { configFilePath } from './config/config-file';
import { MissingPrivilegeError } from './probe/prober';

const USAGE = `meshping-agent: measures ICMP round trips to the targets a Meshping server gives it.

Usage: meshping-agent [--config FILE] COMMAND [ARGS]

  init PASSPHRASE [--hostname NAME] [--server-url URL] [--force]
                      write the config file from the server's join passphrase
  set KEY VALUE       change one setting (checked before it is written); unset KEY removes it
  enable | disable    start and enable / stop and disable the systemd unit (${'meshping-agent.service'})
  status [--json]     what the running agent is doing: server, connection, targets, buffer, last error
  reload              make the running agent re-read its config (its buffered results are kept)
  run                 run in the foreground (what systemd starts; the default command)
  probe ADDRESS [--count N] [--interval MS] [--json]
                      ping an address with the agent's own prober (checks privileges and the path)
  wake MAC [--broadcast ADDRESS]
                      send a Wake-on-LAN magic packet on this host's segment (UDP broadcast, port 9)

Config file: --config FILE, else $MESHPING_AGENT_CONFIG, else /etc/meshping/agent.json (written 0600).
Keys: passphrase, server-url, server-fingerprint, token-file, state-dir, hostname, log-level,
buffer-window-seconds, buffer-max-mb. MESHPING_* environment variables override the file.
`;

/** Exit codes: 64 usage, 78 configuration (EX_CONFIG), 77 missing privilege (EX_NOPERM), 1 fatal. */
async function main(): Promise<void> {
  const { command, args, configFile } = splitArgs(process.argv.slice(2));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const file = configFilePath(configFile, process.env);
  switch (command) {
    case undefined:
    case 'run':
      return runDaemon(configFile);
    case 'probe':
      process.exitCode = await probeCommand(args, out);
      return;
    case 'init':
      process.exitCode = initCommand(args, file, out);
      return;
    case 'set':
    case 'unset':
      process.exitCode = setCommand(args, file, out, command === 'unset');
      return;
    case 'enable':
    case 'disable':
      process.exitCode = systemdCommand(command, out);
      return;
    case 'status':
      process.exitCode = statusCommand(args, configFile, out);
      return;
    case 'reload':
      process.exitCode = reloadCommand(configFile, out);
      return;
    case 'wake':
      process.exitCode = await wakeCommand(args, out);
      return;
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

/** The global --config option may stand anywhere; the first other word is the command. */
function splitArgs(argv: string[]): { command: string | undefined; args: string[]; configFile: string | undefined } {
  const rest: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') {
      configFile = argv[++i];
      if (!configFile) throw new UsageError('--config needs a file name');
    } else if (argv[i].startsWith('--config=')) configFile = argv[i].slice('--config='.length);
    else rest.push(argv[i]);
  }
  return { command: rest[0], args: rest.slice(1), configFile };
}

main().catch((err) => {
  if (err instanceof UsageError) {
    process.stderr.write(`meshping-agent: ${err.message}\n`);
    process.exit(64);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`meshping-agent: ${err.message}\n`);
    process.exit(78);
  }
  if (err instanceof MissingPrivilegeError) {
    process.stderr.write(`meshping-agent: ${err.message}\n`);
    process.exit(77);
  }
  process.stderr.write(`meshping-agent failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
