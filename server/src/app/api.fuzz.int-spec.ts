import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, OPEN_READONLY } from 'sqlite3';
import { DATABASE_FILE } from '../infra/database/database.module';
import { TOKEN_SCOPES } from './auth/token-scopes';
import { AckedAgent } from '../testing/openapi-fuzz/acked-agent';
import { FuzzRun, HangError, type Finding } from '../testing/openapi-fuzz/fuzz-run';
import { HealthProbe } from '../testing/openapi-fuzz/health-probe';
import { skippedFindings } from '../testing/openapi-fuzz/known-findings';
import type { OpenApiDocument } from '../testing/openapi-fuzz/openapi';
import { Principal } from '../testing/openapi-fuzz/principals';
import { ServerChild } from '../testing/openapi-fuzz/server-child';
import { prng } from '../testing/prng';
import { readStoredSamples } from '../testing/stored-samples';

// MESHPING_FUZZ_SEED replays another run; MESHPING_FUZZ_SKIP leaves out known findings (see known-findings.ts).
const SEED = Number(process.env['MESHPING_FUZZ_SEED'] ?? 20261203);
const SKIP = skippedFindings(process.env['MESHPING_FUZZ_SKIP']);
/** No answer within this long is a hang (a behaviour bound, not a benchmark: answers take milliseconds). */
const REQUEST_TIMEOUT_MS = 10_000;
/** Issue #13: the health probe must keep answering within this, whatever the fuzz sends. */
const HEALTH_BOUND_MS = 200;
/**
 * A slow health answer is excused only while the machine was short of CPU: the probe's own process
 * not scheduled for this long, or some task waiting for a CPU during half the wait (Linux PSI); and
 * for at most 1 % of answers, so a server that is slow again and again still fails. (Two CI cores
 * are shared by the jest workers; a server whose event loop is blocked makes no CPU pressure.)
 */
const OWN_STALL_MS = 50;
const CPU_PRESSURE = 0.5;

const describeFinding = (f: Finding) =>
  `[${f.role}] ${f.request.method} ${f.request.path.slice(0, 160)} -- ${f.request.label}\n    ${f.problem}; answer: ${f.answer.slice(0, 240)}`;

/** Error-level log lines (and anything not JSON), counted by message. */
function errorLines(log: string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of log.filter((l) => /"level":"(error|fatal)"/.test(l) || !l.startsWith('{'))) {
    const message = /"message":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 200);
    counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  return [...counts].map(([m, n]) => `  ${n} x ${m}`);
}

function sqliteRows(file: string, sql: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const db = new Database(file, OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, (e, rows) => (db.close(), e ? reject(e) : resolve(rows)));
    });
  });
}

describe('The API under fuzzing: every operation of its OpenAPI document, as every role', () => {
  let server: ServerChild;
  let run: FuzzRun | undefined;

  beforeAll(async () => {
    server = await ServerChild.start({ MESHPING_INITIAL_TARGETS: '127.0.0.1,127.0.0.2,127.0.0.3' });
  }, 120_000); // ts-node compiles the server first: beyond jest's 20 s hook timeout on a loaded machine (ServerChild allows 90 s)
  afterAll(async () => {
    run?.close();
    await server.stop(2_000);
    server.remove();
  });

  it('answers every request with a 2xx or a clean 4xx in time, keeps /api/health fast, and loses no acknowledged result', async () => {
    const started = Date.now();
    const principals = [
      new Principal('anonymous', server.url, '127.0.0.10'),
      new Principal('token-read', server.url, '127.0.0.11'),
      new Principal('token-write', server.url, '127.0.0.15'),
      new Principal('viewer', server.url, '127.0.0.12', 'fuzz-viewer', 'viewer password 1'),
      new Principal('operator', server.url, '127.0.0.13', 'fuzz-operator', 'operator password 1'),
      new Principal('admin', server.url, '127.0.0.14', 'fuzz-admin', 'admin password 1'),
    ];
    const [, tokenRead, tokenWrite, viewer, operator, admin] = principals;
    const setupCode = server.setupCode();
    expect((await admin.client.post('/api/auth/setup', { setupCode, username: admin.username, password: admin.password })).status).toBe(200);
    for (const p of [viewer, operator]) expect((await admin.client.post('/api/users', { username: p.username, password: p.password, role: p.role })).status).toBe(201);
    for (const p of [viewer, operator]) await p.ensureSession();
    // Scripts: one token with every read scope, one with every write scope (and the script-only targets:register).
    tokenRead.scopes = TOKEN_SCOPES.filter((s) => s.endsWith(':read'));
    tokenWrite.scopes = TOKEN_SCOPES.filter((s) => !s.endsWith(':read'));
    for (const p of [tokenRead, tokenWrite]) {
      const created = await admin.client.post('/api/tokens', { name: `fuzz ${p.role}`, scopes: p.scopes });
      expect(created.status).toBe(201);
      p.token = created.body.token;
    }

    // The running app's document is the truth (docs/openapi.json is checked against it elsewhere).
    const docAnswer = await principals[0].client.get<OpenApiDocument>('/api/openapi.json');
    expect(docAnswer.status).toBe(200);
    const doc = docAnswer.body;

    const agent = await AckedAgent.connect(server.url, server.dataDir);
    const agentId = ((await admin.client.get('/api/agents')).body as { id: number; local: boolean }[]).find((a) => a.local)?.id as number;
    expect(agent.targetIds).toHaveLength(3);
    run = new FuzzRun({ url: server.url, doc, random: prng(SEED), principals, pair: { agentId, targetId: agent.targetIds[0] }, setupCode, skip: SKIP, timeoutMs: REQUEST_TIMEOUT_MS });
    const probe = new HealthProbe(server.url, () => run?.current ?? '');
    probe.start(100);
    agent.start(250);
    // A hang, or a fixture the server refused, ends the run; the report is written either way.
    let hang: string | null = null;
    let aborted: unknown = null;
    try {
      await run.run();
    } catch (err) {
      if (err instanceof HangError) hang = err.message;
      else aborted = err;
    }
    const fuzzMs = Date.now() - started;
    await probe.stop();
    const linkClosed = agent.closed;
    const delivery = await agent.stop();
    run.close();

    const { slow, excused } = probe.over(HEALTH_BOUND_MS, OWN_STALL_MS, CPU_PRESSURE);
    const report = [
      `seed ${SEED} (MESHPING_FUZZ_SEED); skipped known findings: ${SKIP.map((k) => k.id).join(', ') || 'none'} (${run.skipped} cases)`,
      `${run.ops.length} operations, ${run.requests} requests in ${(fuzzMs / 1000).toFixed(1)} s; ${agent.acked.length} samples acknowledged in ${agent.batches} batches`,
      `${run.tokenWritesAudited} writes made with an API token, each found in the audit log under the token's name`,
      `/api/health: ${probe.answers.length} answers, slowest ${probe.maxMs.toFixed(1)} ms; at or over ${HEALTH_BOUND_MS} ms: ${slow.length}, and ${excused.length} while the machine was short of CPU`,
      ...[...slow, ...excused].map((a) => `  ${a.ms.toFixed(0)} ms (probe stalled ${a.ownStallMs.toFixed(0)} ms, CPU pressure ${(a.cpuPressure * 100).toFixed(0)} %) during ${a.during.slice(0, 160)}`),
      ...[...run.statuses].map(([op, byStatus]) => `  ${op}: ${[...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s} x${n}`).join(', ')}`),
      ...(aborted ? [`run aborted: ${(aborted as Error).message}`] : []),
      `${run.findings.length} findings${run.findings.length ? ':' : ''}`,
      ...run.findings.map(describeFinding),
      'error lines in the server log (by message):',
      ...errorLines(server.log),
    ].join('\n');
    // The whole server log stays for a closer look (the data directory is removed).
    const logFile = join(tmpdir(), `meshping-api-fuzz-${SEED}-${process.pid}.log`);
    writeFileSync(logFile, server.log.join('\n'));
    process.stdout.write(`\nAPI fuzz report (server log: ${logFile})\n${report}\n`);
    if (aborted) throw aborted;
    if (hang) {
      // The server is stuck: kill it, and say which request did it.
      expect(`${hang}; the server was ${await server.stop(2_000)}`).toBe('no hang');
    }

    // Every operation was reached past its guard by someone (a status other than 401/403).
    for (const op of run.ops) {
      const reached = [...(run.statuses.get(`${op.method} ${op.path}`) ?? [])].filter(([s]) => s !== 401 && s !== 403);
      expect({ op: `${op.method} ${op.path}`, reached: reached.length > 0 }).toEqual({ op: `${op.method} ${op.path}`, reached: true });
    }
    expect(run.findings.map(describeFinding)).toEqual([]);
    expect(run.tokenWritesAudited).toBeGreaterThan(10);
    expect(probe.failures).toEqual([]);
    expect(probe.answers.every((a) => a.status === 200)).toBe(true);
    expect(slow.map((a) => `${a.ms.toFixed(0)} ms during ${a.during}`)).toEqual([]);
    expect(excused.length).toBeLessThanOrEqual(probe.answers.length / 100);

    // State that must have survived: the admin can sign in and is an admin; settings hold valid values.
    // The admin's own browser (its device cookie) signs in again, whatever the fuzzed logins did to the throttle.
    const fresh = admin.client;
    await fresh.post('/api/auth/logout');
    const login = await fresh.login(admin.username, admin.password);
    expect({ status: login.status, user: login.body?.user }).toMatchObject({ status: 200, user: { username: admin.username, role: 'admin', disabled: false } });
    const settings = (await fresh.get('/api/settings')).body;
    expect(typeof settings.fullMesh).toBe('boolean');
    expect(settings.latencyThresholdMs).toBeGreaterThanOrEqual(0.001);
    expect(settings.latencyThresholdMs).toBeLessThanOrEqual(3000);
    expect(settings.retentionHours).toBeGreaterThanOrEqual(1);
    expect(settings.retentionHours).toBeLessThanOrEqual(8760);
    for (const u of (await fresh.get('/api/users')).body) expect(['viewer', 'operator', 'admin']).toContain(u.role);

    // Every acknowledged result is stored exactly once, and nothing else for that agent.
    expect(delivery.unanswered).toBe(0);
    expect(linkClosed).toBeNull();
    expect(await server.stop()).toBe('exited');
    const file = join(server.dataDir, DATABASE_FILE);
    const stored = await readStoredSamples(file);
    expect(stored.integrity).toBe('ok');
    expect(await sqliteRows(file, 'PRAGMA foreign_key_check')).toEqual([]);
    expect(stored.duplicates).toEqual([]);
    const key = (s: { targetId: number; at: number; rtt: number }) => `${s.targetId}/${s.at}/${s.rtt}`;
    const mine = stored.all.filter((r) => r.agent_id === agentId).map((r) => key({ targetId: r.target_id, at: r.at, rtt: r.rtt }));
    expect(mine.sort()).toEqual(agent.acked.map(key).sort());
    expect(agent.acked.length).toBeGreaterThan(0);
  }, 15 * 60_000);
});
