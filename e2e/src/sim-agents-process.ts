import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './meshping-process';

/** A report of the simulated agents' process: `type` says which (sim-agents.ts). */
export type SimReport = { type: string; error?: string } & Record<string, unknown>;

/**
 * The benchmark's simulated agents (tools/bench/sim-agents.ts, the real protocol over real
 * WebSockets), bundled by esbuild as the benchmark does, in a child process driven over IPC: a
 * whole fleet in one Node process, so that 1,000 agents fit beside the server on 2 cores.
 */
export class SimAgentsProcess {
  private readonly inbox: SimReport[] = [];
  private readonly waiters: { type: string; resolve: (m: SimReport) => void; reject: (e: Error) => void }[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: SimReport) => {
      const i = this.waiters.findIndex((w) => w.type === m.type || m.type === 'failed');
      if (i < 0) return void this.inbox.push(m);
      const w = this.waiters.splice(i, 1)[0];
      if (m.type === 'failed') w.reject(new Error(`simulated agents: ${m.error}`));
      else w.resolve(m);
    });
    child.once('exit', (code) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`simulated agents exited with ${code}`));
    });
  }

  /** Bundles sim-agents.ts into dist/e2e-sim (once per call; esbuild takes well under a second). */
  static async bundle(): Promise<string> {
    const { build, stop } = await import('esbuild');
    const out = join(ROOT, 'dist/e2e-sim');
    mkdirSync(out, { recursive: true });
    const outfile = join(out, 'sim-agents.cjs');
    await build({
      entryPoints: [join(ROOT, 'tools/bench/sim-agents.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile,
      tsconfig: join(ROOT, 'server/tsconfig.app.json'),
      packages: 'external',
      logLevel: 'error',
    });
    await stop(); // its service process would keep jest from exiting
    return outfile;
  }

  static async start(bundle: string): Promise<SimAgentsProcess> {
    const sim = new SimAgentsProcess(fork(bundle, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await sim.next('hello');
    return sim;
  }

  send(message: unknown): void {
    this.child.send(message as never);
  }

  /** Sends `message` and waits for the reply of type `reply`. */
  async ask<T = SimReport>(message: unknown, reply: string): Promise<T> {
    const answer = this.next(reply);
    this.send(message);
    return (await answer) as T;
  }

  next(type: string): Promise<SimReport> {
    const i = this.inbox.findIndex((m) => m.type === type || m.type === 'failed');
    if (i >= 0) {
      const m = this.inbox.splice(i, 1)[0];
      return m.type === 'failed' ? Promise.reject(new Error(`simulated agents: ${m.error}`)) : Promise.resolve(m);
    }
    return new Promise((resolve, reject) => this.waiters.push({ type, resolve, reject }));
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
