// L1 in steady state, for the soak and the metrics benchmark: the built server started on a data
// directory seeded with the last hour of every pair's samples (tools/bench/soak-seed.ts: the hour
// cache full from the start), an admin, a metrics:read token, and 100 simulated agents x 1,000
// targets (sim-agents.ts, one process, as the ingest benchmark's live load) registered with the join
// passphrase, approved and streaming.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Api, bundle, bundleScript, forkSims, run, startServer } from './ingest.bench.mjs';

export const L1 = { agents: 100, targets: 1000 };

/** Runs tools/bench/soak-seed.ts (bundled by esbuild) into `dataDir`. */
async function seed(root, dataDir, agents, targets) {
  const outfile = await bundleScript(root, 'soak-seed');
  const started = Date.now();
  const out = await run(process.execPath, [outfile], { SOAK_SEED: JSON.stringify({ dataDir, agents, targets, end: Date.now() }) });
  return { ...JSON.parse(out), seconds: Math.round((Date.now() - started) / 1000) };
}

/**
 * Seeds `dir`/data, starts the server (extra `env`) and the agents; resolves once they stream.
 * Agents are named `prefix`-0, -1, ...; `stop()` ends them and the server (the caller removes `dir`).
 */
export async function startSeededL1({ root, dir, log, password, tokenName, prefix, env = {} }) {
  const main = join(root, 'dist/server/main.js');
  if (!existsSync(main)) throw new Error('dist/server/main.js is missing: npm run build first');
  const { agents, targets } = L1;
  const seeded = await seed(root, join(dir, 'data'), agents, targets);
  log(`seeded the last hour: ${seeded.samples.toLocaleString('en')} samples of ${agents * targets} pairs in ${seeded.seconds} s`);
  const addresses = Array.from({ length: targets }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`).join(',');
  const server = await startServer(main, { MESHPING_DATA_DIR: join(dir, 'data'), MESHPING_INITIAL_TARGETS: addresses, MESHPING_LOG_LEVEL: 'warn', ...env });
  const sims = [];
  const stop = async () => {
    for (const s of sims) s.child.kill();
    await server.stop();
  };
  try {
    const api = new Api(server.url);
    await api.post('/api/auth/setup', { setupCode: server.setupCode(), username: 'admin', password });
    const { passphrase } = (await api.get('/api/enrollment')).body;
    const token = (await api.post('/api/tokens', { name: tokenName, scopes: ['metrics:read'] })).body.token;
    // One process of 100 agents, each flushing a fifth of its targets every second.
    log(`registering ${agents} simulated agents`);
    const bundles = await bundle(root);
    sims.push(...(await forkSims(bundles.simAgents, 1)));
    const [sim] = sims;
    sim.send({ type: 'register', url: server.url, passphrase, count: agents, prefix });
    for (const id of (await sim.next('registered')).agentIds) await api.post(`/api/agents/${id}/approve`, {});
    sim.send({ type: 'await-approval' });
    await sim.next('ready');
    sim.send({ type: 'start' });
    await sim.next('started');
    return { server, api, token, sim, seeded, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
