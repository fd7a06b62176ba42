#!/usr/bin/env node
// `npm run bench [-- name ...]`: runs the benchmarks in tools/bench/<name>.bench.mjs (all of them, or
// the ones named), then writes their figures into docs/benchmarks.json and their sections into
// docs/benchmarks.md. Benchmarks not run keep their previous figures and sections, so one can be
// re-measured alone.
//
// A benchmark module's default export is `async (ctx) => ({ title, figures, markdown })`:
// - figures: { '<bench>.<key>': number, ... } (stable, dotted keys: docs/benchmarks.json nests them);
// - markdown: the section's body (tables, method, notes); the runner adds the heading, date, machine.
// ctx: { root (repository path), tmp (a fresh directory, removed afterwards), log(message), machine }.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { machine, record, root } from './record.mjs';

const available = readdirSync(join(root, 'tools', 'bench'))
  .filter((f) => f.endsWith('.bench.mjs'))
  .map((f) => f.slice(0, -'.bench.mjs'.length))
  .sort();
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!available.includes(name)) {
    console.error(`unknown benchmark "${name}"; available: ${available.join(', ')}`);
    process.exit(2);
  }
}
const names = wanted.length ? wanted : available;

let failed = 0;

for (const name of names) {
  const tmp = mkdtempSync(join(tmpdir(), `meshping-bench-${name}-`));
  const log = (m) => console.log(`[bench ${name}] ${m}`);
  log('starting');
  const started = Date.now();
  try {
    const mod = await import(pathToFileURL(join(root, 'tools', 'bench', `${name}.bench.mjs`)).href);
    const { title, figures, markdown } = await mod.default({ root, tmp, log, machine });
    record({ name, title, figures, markdown, command: `npm run bench -- ${name}` });
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(figures)}`);
  } catch (err) {
    failed++;
    console.error(`[bench ${name}] failed:`, err);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
