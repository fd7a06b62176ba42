import type { LoggerService } from '@nestjs/common';
import type { Clock } from '@meshping/node-kit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type StartedServer } from '../bootstrap';
import { loadServerConfig } from '../infra/config/server-config';

/** Keeps what the app logs, so tests can read e.g. the one-time setup code. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(m: unknown): void { this.keep(m); }
  warn(m: unknown): void { this.keep(m); }
  error(m: unknown): void { this.keep(m); }
  debug(): void { /* dropped */ }
  verbose(): void { /* dropped */ }
  private keep(m: unknown): void {
    this.lines.push(typeof m === 'string' ? m : JSON.stringify(m));
  }
}

export interface TestServer extends StartedServer {
  dataDir: string;
  logger: CapturingLogger;
  setupCode(): string;
  stop(): Promise<void>;
}

/** The real server on port 0 with a fresh data directory (real SQLite file). */
export async function startTestServer(env: Record<string, string> = {}, clock?: Clock): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshping-server-'));
  const config = loadServerConfig({ MESHPING_DATA_DIR: dataDir, MESHPING_PORT: '0', MESHPING_TLS: 'off', ...env });
  const logger = new CapturingLogger();
  const started = await startServer(config, { logger, clock });
  return {
    ...started,
    dataDir,
    logger,
    setupCode: () => {
      const line = logger.lines.find((l) => l.includes('setup.required'));
      const code = line && /setup code to create the first admin: ([A-Za-z0-9_-]+)/.exec(line)?.[1];
      if (!code) throw new Error('the server logged no setup code');
      return code;
    },
    stop: async () => {
      await started.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
