import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@meshping/node-kit';
import { buildOpenApi, createApp, startServer } from './bootstrap';
import { loadServerConfig } from './infra/config/server-config';

async function writeOpenApi(file: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshping-openapi-'));
  try {
    const app = await createApp({ ...loadServerConfig({}), MESHPING_DATA_DIR: dataDir, MESHPING_LOG_LEVEL: 'error' });
    await app.init();
    writeFileSync(file, JSON.stringify(buildOpenApi(app), null, 2) + '\n');
    await app.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'openapi') return writeOpenApi(process.argv[3] ?? 'docs/openapi.json');
  const config = loadServerConfig();
  const { url } = await startServer(config);
  // The URL the web UI and API answer on, in the same JSON-lines format, printed whatever the log
  // level: launchers (tools/start.mjs, the e2e tests) and humans read it.
  const line = { level: 'info', time: new Date().toISOString(), service: 'meshping-server', event: 'listening', url };
  process.stdout.write(JSON.stringify({ ...line, msg: `Meshping is serving ${url}/` }) + '\n');
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`meshping-server failed to start: ${err?.stack ?? err}\n`);
  process.exit(1);
});
