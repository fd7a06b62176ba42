import { createApiToken, getGrid, listAuditEntries, listTargets } from '@meshping/api-client';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiSession } from './api';
import { MeshpingProcess, ROOT } from './meshping-process';
import { until } from './wait';

const SCRIPT = join(ROOT, 'libs/api-client/examples/token-script.ts');
const TARGET = '127.0.0.9'; // loopback: the local agent's probes of it stay on this machine

/** Runs a Node script as a user would (only PATH and `env` in its environment); its stdout, stderr and exit code. */
function runScript(bundle: string, env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The developers' promise: a script written against the generated client, with a scoped API token
 * and nothing else (no password, no cookie, no CSRF header), runs against the real server (README's
 * default: HTTPS with its self-signed certificate, the local agent measuring).
 */
describe('a script with a scoped API token, through the generated client (libs/api-client/examples)', () => {
  let meshping: MeshpingProcess;
  let admin: ApiSession;
  let bundle: string;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'meshping-e2e-script-'));
    meshping = await MeshpingProcess.start();
    admin = await ApiSession.setUp(meshping, await meshping.setupCode());
    const { build, stop } = await import('esbuild');
    const out = join(ROOT, 'dist/e2e-script');
    mkdirSync(out, { recursive: true });
    bundle = join(out, 'token-script.cjs');
    await build({ entryPoints: [SCRIPT], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: bundle, tsconfig: join(ROOT, 'tsconfig.base.json'), logLevel: 'error' });
    await stop();
  }, 180_000);

  afterAll(async () => {
    await meshping?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('type-checks against the generated client', async () => {
    // Not spawnSync: a blocked event loop misses the server closing idle keep-alive connections, and
    // the next request would go out on a dead one.
    const tsc = await runScript(join(ROOT, 'node_modules/typescript/bin/tsc'), {}, ['-p', join(ROOT, 'libs/api-client/tsconfig.spec.json'), '--noEmit']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 120_000);

  it('lists agents, adds a target, reads a pair series and exports it as CSV, audited under the token', async () => {
    const token = await createApiToken({ client: admin.client, body: { name: 'ci script', scopes: ['agents:read', 'targets:write', 'monitoring:read'], expiresInDays: 1 } });
    // Some results to read: the local agent's first rounds.
    await until('results in the grid', async () => (await getGrid({ client: admin.client })).cells.length > 0, 60_000);
    const env = { MESHPING_URL: meshping.url, MESHPING_TOKEN: token.token, NODE_EXTRA_CA_CERTS: join(meshping.dataDir, 'tls/server.crt') };
    const csvFile = join(work, 'pair.csv');
    const run = await runScript(bundle, env, [TARGET, csvFile]);
    expect({ code: run.code, stderr: run.stderr.includes('refused') ? run.stderr : '' }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(run.stdout.trim()) as { agents: number; approved: number; target: { id: number; address: string }; seriesSamples: number; csvRows: number };

    expect(summary.agents).toBe(1);
    expect(summary.approved).toBe(1);
    expect(summary.target.address).toBe(TARGET);
    expect((await listTargets({ client: admin.client })).map((t) => t.address)).toContain(TARGET);
    const csv = readFileSync(csvFile, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('at_iso,at_ms,rtt_us,status');
    expect(summary.seriesSamples).toBeGreaterThan(0);
    // The export was read after the series over the same window: it holds at least what the series counted.
    expect(summary.csvRows).toBeGreaterThanOrEqual(summary.seriesSamples);
    const created = (await listAuditEntries({ client: admin.client })).find((e) => e.action === 'target.created' && e.subject?.includes(TARGET));
    expect(created?.actor).toBe('token:ci script (by admin)');

    // Run again: the target exists (409), the script finds it instead of failing.
    const again = await runScript(bundle, env, [TARGET, csvFile]);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout.trim()) as { target: { id: number } }).target.id).toBe(summary.target.id);
  }, 120_000);

  it('is refused with the reason when its token lacks the scope', async () => {
    const readOnly = await createApiToken({ client: admin.client, body: { name: 'read only', scopes: ['agents:read', 'monitoring:read'], expiresInDays: 1 } });
    const run = await runScript(bundle, { MESHPING_URL: meshping.url, MESHPING_TOKEN: readOnly.token, NODE_EXTRA_CA_CERTS: join(meshping.dataDir, 'tls/server.crt') }, ['127.0.0.10', join(work, 'x.csv')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Meshping refused: POST \/api\/targets: 403 .*targets:write/);
    expect((await listTargets({ client: admin.client })).map((t) => t.address)).not.toContain('127.0.0.10');
  }, 60_000);
});
