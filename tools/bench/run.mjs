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
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, tmpdir, release } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const jsonPath = join(root, 'docs', 'benchmarks.json');
const mdPath = join(root, 'docs', 'benchmarks.md');

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

const machine = {
  cpu: `${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} vCPUs)`,
  memory_gib: Math.round(totalmem() / 2 ** 30),
  kernel: `Linux ${release()}`,
  node: process.version,
};
const machineLine = `${machine.cpu}, ${machine.memory_gib} GiB RAM, ${machine.kernel}, Node.js ${machine.node.slice(1)}`;

const doc = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : {};
let md = readFileSync(mdPath, 'utf8');
let failed = 0;

for (const name of names) {
  const tmp = mkdtempSync(join(tmpdir(), `meshping-bench-${name}-`));
  const log = (m) => console.log(`[bench ${name}] ${m}`);
  log('starting');
  const started = Date.now();
  try {
    const mod = await import(pathToFileURL(join(root, 'tools', 'bench', `${name}.bench.mjs`)).href);
    const { title, figures, markdown } = await mod.default({ root, tmp, log, machine });
    const date = new Date().toISOString().slice(0, 10);
    for (const [key, value] of Object.entries(figures)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`figure ${key} is not a finite number: ${value}`);
      const path = key.split('.');
      let node = doc;
      for (const part of path.slice(0, -1)) node = node[part] ??= {};
      node[path.at(-1)] = value;
    }
    doc.runs ??= {};
    doc.runs[name] = { date, machine };
    const section = `<!-- bench:${name}:start -->\n## ${title}\n\nMeasured ${date} by \`npm run bench -- ${name}\` on ${machineLine}.\n\n${markdown.trim()}\n<!-- bench:${name}:end -->`;
    const re = new RegExp(`<!-- bench:${name}:start -->[\\s\\S]*?<!-- bench:${name}:end -->`);
    md = re.test(md) ? md.replace(re, section) : `${md.trimEnd()}\n\n${section}\n`;
    writeFileSync(jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
    writeFileSync(mdPath, md);
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(figures)}`);
  } catch (err) {
    failed++;
    console.error(`[bench ${name}] failed:`, err);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
