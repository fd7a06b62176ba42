import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '../../../..');

// The server's sources run through ts-node (transpile only: types are checked by the build and
// lint), with the workspace's path aliases, so this tests the code as it is, without a build.
const BOOT = `require('tsconfig-paths').register({ baseUrl: ${JSON.stringify(ROOT)}, paths: {
  '@meshping/protocol': ['libs/protocol/src/index.ts'], '@meshping/node-kit': ['libs/node-kit/src/index.ts'] } });
require(${JSON.stringify(join(ROOT, 'server/src/main.ts'))});`;

/**
 * The real server as a child process on port 0 (HTTPS with a self-signed certificate, as deployed)
 * with a fresh SQLite file. A child, not the app in
 * the test's own process: a request that blocks the server's event loop would freeze an in-process
 * app together with the test's timers, so the hang could never be seen (nor the server killed).
 */
export class ServerChild {
  private constructor(
    readonly log: string[],
    private readonly child: ChildProcess,
    readonly url: string,
    readonly dataDir: string,
  ) {}

  /** `log`: every line the server wrote (JSON log lines on stdout, anything on stderr). */
  static async start(env: Record<string, string> = {}): Promise<ServerChild> {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshping-fuzz-'));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHPING_')));
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', BOOT], {
      cwd: ROOT,
      env: { ...clean, TS_NODE_PROJECT: join(ROOT, 'server/tsconfig.app.json'), MESHPING_DATA_DIR: dataDir, MESHPING_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    const stdout = child.stdout;
    if (!stdout) throw new Error('the server child has no stdout pipe');
    child.stderr?.on('data', (d) => log.push(String(d)));
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`the server did not start within 90 s:\n${log.join('\n')}`)), 90_000);
      child.once('exit', (code) => fail(new Error(`the server exited with ${code}:\n${log.join('\n')}`)));
      // A fresh data directory always logs a setup code. Pino writes it asynchronously and main.ts
      // writes "listening" straight to stdout, so under load it can arrive second: wait for both.
      let listening = '';
      let setup = false;
      createInterface({ input: stdout }).on('line', (line) => {
        log.push(line);
        if (line.includes('"event":"listening"')) listening = JSON.parse(line).url;
        setup ||= line.includes('"setup.required"');
        if (listening && setup) {
          clearTimeout(timer);
          ok(listening);
        }
      });
    }).catch((err) => {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    });
    return new ServerChild(log, child, url, dataDir);
  }

  /** The one-time setup code the server printed on its first start. */
  setupCode(): string {
    const line = this.log.find((l) => l.includes('"setup.required"'));
    const code = line && /setup code to create the first admin: ([A-Za-z0-9_-]+)/.exec(line)?.[1];
    if (!code) throw new Error('the server logged no setup code');
    return code;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, and SIGKILL if it has not exited within `graceMs` (a frozen server ignores SIGTERM). */
  async stop(graceMs = 10_000): Promise<'exited' | 'killed'> {
    if (!this.running) return 'exited';
    const exited = new Promise((ok) => this.child.once('exit', ok));
    this.child.kill('SIGTERM');
    const timer = new Promise((ok) => setTimeout(() => ok('late'), graceMs));
    if ((await Promise.race([exited, timer])) !== 'late') return 'exited';
    this.child.kill('SIGKILL');
    await exited;
    return 'killed';
  }

  remove(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
