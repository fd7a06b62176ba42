import { Logger } from '@nestjs/common';
import { createLogger, PinoNestLogger, systemClock } from '@meshping/node-kit';
import { PROBE_TIMEOUT_MS, RttCode } from '@meshping/protocol';
import { IcmpProber } from '../probe/icmp-prober';
import { TargetResolver } from '../scheduler/target-resolver';

/**
 * `meshping-agent probe ADDRESS [--count N] [--interval MS] [--json]`: the agent's own prober,
 * from the command line, as the daemon uses it (one probe at a time, idle in between). Checks
 * privileges and a path without a server; the accuracy test compares it with iputils ping.
 */
export async function probeCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { positional, flags } = parseFlags(args, ['count', 'interval'], ['json']);
  const target = positional[0];
  if (!target || positional.length > 1) throw new UsageError('usage: meshping-agent probe ADDRESS [--count N] [--interval MS] [--json]');
  const count = positiveInt(flags['count'] ?? '5', '--count');
  const intervalMs = positiveInt(flags['interval'] ?? '1000', '--interval');
  const resolved = await new TargetResolver(() => Date.now()).resolve(target);
  if ('error' in resolved) {
    out(`${target}: cannot resolve (${resolved.error})`);
    return 2;
  }
  // The prober's warnings (no kernel timestamps, ...) as the daemon writes them: pino JSON lines.
  Logger.overrideLogger(new PinoNestLogger(createLogger('meshping-agent', 'warn')));
  const prober = new IcmpProber(systemClock);
  prober.open();
  // One request per interval, as the daemon sends them; a lost reply does not hold up the next.
  const pending: Promise<number>[] = [];
  let rtts: number[];
  try {
    for (let i = 0; i < count; i++) {
      if (i > 0) await sleep(intervalMs);
      pending.push(
        prober.probe(resolved.address, resolved.family, PROBE_TIMEOUT_MS).then((rtt) => {
          if (!flags['json']) out(`${resolved.address} #${i + 1}: ${describeRtt(rtt)}`);
          return rtt;
        }),
      );
    }
    rtts = await Promise.all(pending);
  } finally {
    prober.close();
  }
  const replies = rtts.filter((r) => r >= 0);
  if (flags['json']) out(JSON.stringify({ target, address: resolved.address, family: resolved.family, timestamps: prober.timestamps, rtts }));
  else out(`${count} sent, ${replies.length} replies, ${(((count - replies.length) / count) * 100).toFixed(1)} % loss`);
  return replies.length > 0 ? 0 : 1;
}

export function describeRtt(rtt: number): string {
  if (rtt >= 0) return `${(rtt / 1000).toFixed(3)} ms`;
  if (rtt === RttCode.UNRESOLVED) return 'cannot resolve';
  if (rtt === RttCode.SEND_ERROR) return 'send error';
  return 'no reply';
}

/** A mistake on the command line; main prints the message and exits 64 (EX_USAGE). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--name value` / `--name=value` options and boolean switches; everything else is positional. */
export function parseFlags(
  args: string[],
  valued: string[],
  switches: string[] = [],
): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg === '--') {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (switches.includes(name)) flags[name] = true;
    else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    } else throw new UsageError(`unknown option --${name}`);
  }
  return { positional, flags };
}

function positiveInt(value: string | true, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number, not "${value}"`);
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
