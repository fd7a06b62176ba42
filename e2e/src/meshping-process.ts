import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(__dirname, '../..');
export const ARTIFACTS = join(ROOT, 'e2e/artifacts');

/** The JSON log lines (pino) with this event, parsed; other lines are skipped. */
export function jsonEvents(lines: readonly string[], event: string): Record<string, unknown>[] {
  return lines.filter((l) => l.includes(`"event":"${event}"`)).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Waits for a started server's `listening` log line and returns its URL; `log` collects its output. */
export function listeningUrl(child: ChildProcess, log: string[], name: string): Promise<string> {
  const stdout = child.stdout;
  if (!stdout) return Promise.reject(new Error(`${name} has no stdout pipe`));
  child.stderr?.on('data', (d) => log.push(d.toString()));
  return new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start:\n${log.join('\n')}`)), 120_000); // generous: a loaded CI machine starts slowly, and a failure says why anyway
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

/**
 * The one-time setup code a first-starting server printed, from its log lines. Waited for: the line
 * may reach the pipe after the `listening` line (which the server writes straight to stdout).
 */
export async function setupCodeIn(log: readonly string[], timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const line = log.find((l) => l.includes('"setup.required"'));
    const code = line && /setup code to create the first admin: ([A-Za-z0-9_-]+)/.exec(line)?.[1];
    if (code) return code;
    if (Date.now() > end) throw new Error(`no setup code in the log within ${timeoutMs} ms:\n${log.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** README's embedded default, started the way `npm start` does (built server + local agent), on a free port. */
export class MeshpingProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    /** Every line of its output, whole (the reader that found `listening` keeps appending). */
    readonly log: string[],
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The one-time setup code the server printed on its first start (waited for, see setupCodeIn). */
  setupCode(timeoutMs?: number): Promise<string> {
    return setupCodeIn(this.log, timeoutMs);
  }

  /** `script`: what to run; by default the launcher (server + local agent), or e.g. dist/server/main.js alone. */
  static async start(env: Record<string, string> = {}, script = 'tools/start.mjs'): Promise<MeshpingProcess> {
    // A data directory the caller names is the caller's to remove; a fresh one is removed by stop().
    const owned = !env['MESHPING_DATA_DIR'];
    const dataDir = env['MESHPING_DATA_DIR'] ?? mkdtempSync(join(tmpdir(), 'meshping-e2e-'));
    const child = spawn(process.execPath, [join(ROOT, script)], {
      env: { ...process.env, MESHPING_DATA_DIR: dataDir, MESHPING_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    const url = await listeningUrl(child, log, 'Meshping');
    return new MeshpingProcess(child, url, dataDir, owned, log);
  }

  /** The certificate fingerprint the server printed when it started listening (null with TLS off). */
  get fingerprint(): string | null {
    const line = this.log.find((l) => l.includes('"event":"listening"'));
    return line ? JSON.parse(line).fingerprint : null;
  }

  /** Ends the process with SIGKILL, as a crash or the OOM killer would; the data directory stays. */
  async kill(): Promise<void> {
    const exited = new Promise((ok) => this.child.once('exit', ok));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((ok) => this.child.once('exit', (code) => ok(code)));
    this.child.kill('SIGTERM');
    const code = await exited;
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }
}
