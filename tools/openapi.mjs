#!/usr/bin/env node
// The REST contract in two files that must agree with the server: docs/openapi.json (built by the
// server itself) and libs/api-client/src/generated (written from it by @hey-api/openapi-ts).
//   node tools/openapi.mjs write   rewrite both (npm run openapi)
//   node tools/openapi.mjs check   build both into dist/openapi-check and fail if either differs (CI)
// Needs the built server (dist/server/main.js).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const mode = process.argv[2];
if (mode !== 'write' && mode !== 'check') {
  console.error('usage: node tools/openapi.mjs write|check');
  process.exit(2);
}
const run = (cmd, args, env = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
const generateClient = (input, output) =>
  run('npx', ['openapi-ts', '-f', 'libs/api-client/openapi-ts.config.mjs'], { MESHPING_OPENAPI_IN: input, MESHPING_API_CLIENT_OUT: output });

if (mode === 'write') {
  run('node', ['dist/server/main.js', 'openapi', 'docs/openapi.json']);
  generateClient('./docs/openapi.json', './libs/api-client/src/generated');
  console.log('wrote docs/openapi.json and libs/api-client/src/generated');
} else {
  const dir = 'dist/openapi-check';
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run('node', ['dist/server/main.js', 'openapi', join(dir, 'openapi.json')]);
  generateClient(`./${dir}/openapi.json`, `./${dir}/client`);
  let stale = false;
  for (const [committed, fresh] of [['docs/openapi.json', join(dir, 'openapi.json')], ['libs/api-client/src/generated', join(dir, 'client')]]) {
    const diff = spawnSync('diff', ['-ru', committed, fresh], { encoding: 'utf8' });
    if (diff.status !== 0) {
      stale = true;
      console.error(`${committed} is stale:\n${diff.stdout.split('\n').slice(0, 40).join('\n')}`);
    }
  }
  if (stale) {
    console.error('Run `npm run openapi` and commit docs/openapi.json and libs/api-client/src/generated.');
    process.exit(1);
  }
  console.log('docs/openapi.json and libs/api-client/src/generated match the server');
}
