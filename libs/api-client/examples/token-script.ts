/**
 * A script against the Meshping REST API with an API token, through the generated client: it lists
 * the agents, adds a target (or finds it if it exists), reads the last hour's series of one agent
 * to that target and of one agent to a target it already measures, and exports that pair's
 * samples as CSV. CI runs it against a real server (e2e/src/token-script.e2e-spec.ts).
 *
 *   MESHPING_URL=https://meshping.example:8443 MESHPING_TOKEN=mpt_... \
 *   NODE_EXTRA_CA_CERTS=/var/lib/meshping/tls/server.crt node token-script.js 192.0.2.10 out.csv
 *
 * The token needs the scopes agents:read, targets:write and monitoring:read.
 */
import { writeFileSync } from 'node:fs';
import { ApiError, createMeshpingClient, createTarget, exportPairSamples, getGrid, getPairSeries, listAgents, listTargets } from '@meshping/api-client';

async function main(): Promise<void> {
  const [address, csvFile] = process.argv.slice(2);
  const url = process.env['MESHPING_URL'];
  const token = process.env['MESHPING_TOKEN'];
  if (!url || !token || !address || !csvFile) throw new Error('usage: MESHPING_URL=... MESHPING_TOKEN=... token-script <target address> <csv file>');
  const client = createMeshpingClient({ baseUrl: url, token });

  const agents = await listAgents({ client });
  const approved = agents.filter((a) => a.state === 'approved');
  console.error(`${agents.length} agents, ${approved.length} approved`);

  // Adding is not idempotent: a target that exists already answers 409, then it is looked up.
  let target;
  try {
    target = await createTarget({ client, body: { address, name: 'added by script' } });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409) throw err;
    target = (await listTargets({ client })).find((t) => t.address === address);
    if (!target) throw err;
  }

  // A pair with data: the first cell of the grid that has a sample.
  const grid = await getGrid({ client });
  const agentId = grid.cells[0];
  const targetId = grid.cells[1];
  if (agentId === undefined || targetId === undefined) throw new Error('the grid has no results yet');
  const to = Date.now();
  const from = to - 3_600_000;
  const series = await getPairSeries({ client, path: { agentId, targetId }, query: { from, to, points: 60 } });
  const csv = await exportPairSamples({ client, path: { agentId, targetId }, query: { from, to, format: 'csv' }, parseAs: 'text' });
  writeFileSync(csvFile, String(csv));

  // One JSON line for whoever runs it (CI reads it).
  console.log(
    JSON.stringify({
      agents: agents.length,
      approved: approved.length,
      target: { id: target.id, address: target.address },
      pair: { agentId, targetId },
      seriesSamples: series.points.reduce((n, p) => n + p.count, 0),
      csvRows: String(csv).trimEnd().split('\r\n').length - 1,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof ApiError ? `Meshping refused: ${err.message}` : err);
  process.exit(1);
});
