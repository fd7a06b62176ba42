import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './meshping-process';

/** A built agent (dist/agent/main.js) as an operator starts one on another host: its own environment only. */
export class AgentProcess {
  readonly output: string[] = [];
  private exit: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => this.output.push(d.toString()));
    child.stderr?.on('data', (d) => this.output.push(d.toString()));
    this.exit = new Promise((ok) => child.once('exit', (code) => ok(code)));
  }

  /** `ipPrefix`: `ip` arguments that run it elsewhere, e.g. in a network namespace (`netns exec <name>`). */
  static start(env: Record<string, string>, ipPrefix: string[] = []): AgentProcess {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHPING_'))) as Record<string, string>;
    const node = [process.execPath, join(ROOT, 'dist/agent/main.js')];
    // `ip netns exec` execs the command in place: the child's pid is the agent's, so stop() reaches it.
    const [cmd, ...args] = ipPrefix.length ? ['ip', ...ipPrefix, ...node] : node;
    return new AgentProcess(spawn(cmd, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  exited(): Promise<number | null> {
    return this.exit;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exit;
  }
}
