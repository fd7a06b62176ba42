import type { Client } from '@meshping/api-client';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiSession } from './api';
import { jsonEvents, listeningUrl, ROOT, setupCodeIn } from './meshping-process';

/** The built server alone (no local agent), plain HTTP on a free port, with an admin session for its API. */
export class ServerProcess {
  private session!: ApiSession;
  private constructor(
    /** Every line the server wrote (its stdout keeps coming in). */
    readonly log: string[],
    private readonly child: ChildProcess,
    readonly url: string,
    readonly dataDir: string,
  ) {}

  static async start(env: Record<string, string>): Promise<ServerProcess> {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshping-e2e-server-'));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHPING_'))) as Record<string, string>;
    const child = spawn(process.execPath, [join(ROOT, 'dist/server/main.js')], {
      env: { ...clean, MESHPING_DATA_DIR: dataDir, MESHPING_PORT: '0', MESHPING_TLS: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    const url = await listeningUrl(child, log, 'the server');
    const server = new ServerProcess(log, child, url, dataDir);
    server.session = await ApiSession.setUp(server, await setupCodeIn(log));
    return server;
  }

  /** The admin's client: pass as `{ client }` to @meshping/api-client's functions. */
  get api(): Client {
    return this.session.client;
  }

  /** The admin session's cookies, for a browser to share it (context.addCookies). */
  browserCookies(): { name: string; value: string; url: string }[] {
    return this.session.browserCookies();
  }

  /** The server's JSON log lines with this event, parsed. */
  events(event: string): Record<string, unknown>[] {
    return jsonEvents(this.log, event);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((ok) => this.child.once('exit', ok));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
