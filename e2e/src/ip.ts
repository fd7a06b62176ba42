import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs `ip` (iproute2); needs root or CAP_NET_ADMIN, as the agent's raw sockets need root anyway. */
export async function ip(...args: string[]): Promise<string> {
  try {
    return (await exec('ip', args)).stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`ip ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  }
}

/** Runs it for its effect, whatever happens (clean-up of what may not exist). */
export const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
