// Writes a measurement's figures into docs/benchmarks.json and its section into docs/benchmarks.md
// (shared by `npm run bench` and `npm run soak`): figures under their dotted keys, `runs.<name>` with
// the date and the machine, and the section between `<!-- bench:<name>:start/end -->` markers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const jsonPath = join(root, 'docs', 'benchmarks.json');
const mdPath = join(root, 'docs', 'benchmarks.md');

export const machine = {
  cpu: `${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} vCPUs)`,
  memory_gib: Math.round(totalmem() / 2 ** 30),
  kernel: `Linux ${release()}`,
  node: process.version,
};
const machineLine = `${machine.cpu}, ${machine.memory_gib} GiB RAM, ${machine.kernel}, Node.js ${machine.node.slice(1)}`;

/** `command`: how the figures were made, for the section's first line (e.g. "npm run bench -- ingest"). */
export function record({ name, title, figures, markdown, command }) {
  const doc = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : {};
  let md = readFileSync(mdPath, 'utf8');
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
  const section = `<!-- bench:${name}:start -->\n## ${title}\n\nMeasured ${date} by \`${command}\` on ${machineLine}.\n\n${markdown.trim()}\n<!-- bench:${name}:end -->`;
  const re = new RegExp(`<!-- bench:${name}:start -->[\\s\\S]*?<!-- bench:${name}:end -->`);
  // A function, not the string: a section may hold "$`" or "$&", which replace() would expand.
  md = re.test(md) ? md.replace(re, () => section) : `${md.trimEnd()}\n\n${section}\n`;
  writeFileSync(jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(mdPath, md);
}
