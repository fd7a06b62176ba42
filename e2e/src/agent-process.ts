import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { jsonEvents, ROOT } from './meshping-process';

/** A built agent (dist/agent/main.js) as an operator starts one on another host: its own environment only. */
export class AgentProcess {
  readonly output: string[] = [];
  private exit: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => this.output.push(d.toString()));
    child.stderr?.on('data', (d) => this.output.push(d.toString()));
    this.exit = new Promise((ok) => child.once('exit', (code) => ok(code)));
  }

  /** `namespace`: run inside that network namespace (`ip netns exec` execs node: the pid is the agent's). */
  static start(env: Record<string, string>, namespace?: string): AgentProcess {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHPING_'))) as Record<string, string>;
    const command = [process.execPath, join(ROOT, 'dist/agent/main.js')];
    const [file, ...args] = namespace ? ['ip', 'netns', 'exec', namespace, ...command] : command;
    return new AgentProcess(spawn(file, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** The agent's JSON log lines with this event, parsed. */
  events(event: string): Record<string, unknown>[] {
    return jsonEvents(this.output.join('').split('\n'), event);
  }

  exited(): Promise<number | null> {
    return this.exit;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exit;
  }
}
