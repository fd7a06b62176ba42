import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(__dirname, '../..');
export const ARTIFACTS = join(ROOT, 'e2e/artifacts');

/** Waits for a started server's `listening` log line and returns its URL; `log` collects its output. */
export function listeningUrl(child: ChildProcess, log: string[], name: string): Promise<string> {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error(`${name} has no stdout pipe`));
  child.stderr?.on('data', (d) => log.push(d.toString()));
  return new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start:\n${log.join('\n')}`)), 30_000);
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code}:\n${log.join('\n')}`)));
    createInterface({ input: stdout }).on('line', (line) => {
      log.push(line);
      if (line.includes('"event":"listening"')) {
        clearTimeout(timer);
        ok(JSON.parse(line).url);
      }
    });
  });
}

/** README's embedded default, started the way `npm start` does (built server + local agent), on a free port. */
export class MeshpingProcess {
  readonly log: string[] = [];
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly dataDir: string,
  ) {}

  /** The one-time setup code the server printed on its first start. */
  get setupCode(): string {
    const line = this.log.find((l) => l.includes('"setup.required"'));
    const code = line && /setup code to create the first admin: ([A-Za-z0-9_-]+)/.exec(line)?.[1];
    if (!code) throw new Error(`no setup code in the log:\n${this.log.join('\n')}`);
    return code;
  }

  static async start(env: Record<string, string> = {}): Promise<MeshpingProcess> {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshping-e2e-'));
    const child = spawn(process.execPath, [join(ROOT, 'tools/start.mjs')], {
      env: { ...process.env, MESHPING_DATA_DIR: dataDir, MESHPING_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    const url = await listeningUrl(child, log, 'Meshping');
    const p = new MeshpingProcess(child, url, dataDir);
    p.log.push(...log);
    child.stdout?.on('data', (d) => p.log.push(...d.toString().split('\n')));
    return p;
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((ok) => this.child.once('exit', (code) => ok(code)));
    this.child.kill('SIGTERM');
    const code = await exited;
    rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }
}
