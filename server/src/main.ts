import { ConfigError } from '@meshping/node-kit';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, startServer } from './bootstrap';
import { buildOpenApi } from './infra/http/openapi-document';
import { loadServerConfig } from './infra/config/server-config';

async function writeOpenApi(file: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshping-openapi-'));
  try {
    const config = loadServerConfig({ MESHPING_DATA_DIR: dataDir, MESHPING_LOG_LEVEL: 'error', MESHPING_TLS: 'off' });
    const { app } = await createApp(config);
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
  const { url, fingerprint } = await startServer(config);
  // The URL the web UI and API answer on (and the certificate fingerprint agents pin), in the same
  // JSON-lines format, printed whatever the log level: launchers and humans read it.
  const line = { level: 'info', time: new Date().toISOString(), service: 'meshping-server', event: 'listening', url, fingerprint };
  process.stdout.write(JSON.stringify({ ...line, msg: `Meshping is serving ${url}/` }) + '\n');
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`meshping-server failed to start: ${err?.stack ?? err}\n`);
  process.exit(1);
});
