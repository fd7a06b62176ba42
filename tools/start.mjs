#!/usr/bin/env node
// Starts the built Meshping server and, beside it, the local agent pinging 127.0.0.1 and ::1.
// Used by `npm start` (README's first command). Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { SERVER_NODE_FLAGS } from './server-node-flags.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const serverMain = join(root, 'dist/server/main.js');
const agentMain = join(root, 'dist/agent/main.js');
for (const f of [serverMain, agentMain]) {
  if (!existsSync(f)) {
    console.error(`${f} is missing: run "npm run build" first.`);
    process.exit(1);
  }
}

const dataDir = resolve(process.env.MESHPING_DATA_DIR ?? join(root, 'data'));
const children = new Set();
let stopping = false;

function run(name, main, env, flags = []) {
  const child = spawn(process.execPath, [...flags, main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping && name === 'agent' && (code === 77 || code === 78)) {
      // No CAP_NET_RAW (77) or bad agent settings (78): the agent said why on stderr. The server
      // keeps serving; the grid shows no agent until one connects.
      console.error('meshping: the local agent could not start (see above); the server keeps running.');
      return;
    }
    if (!stopping) {
      console.error(`meshping: ${name} exited (${signal ?? code}); stopping.`);
      stop(typeof code === 'number' && code !== 0 ? code : 1);
      return;
    }
    // Asked to stop: a child that ended by that signal or with 0 stopped cleanly; anything else is
    // a crash and the launcher's exit code says so.
    if (signal !== 'SIGTERM' && signal !== 'SIGINT' && code !== 0) process.exitCode = 1;
    if (children.size === 0) process.exit(process.exitCode ?? 0);
  });
  return child;
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  if (children.size === 0) process.exit(code);
  for (const c of children) c.kill('SIGTERM');
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const server = run('server', serverMain, { MESHPING_DATA_DIR: dataDir }, SERVER_NODE_FLAGS);
const lines = createInterface({ input: server.stdout });
let agentStarted = false;
let setupCode;
lines.on('line', (line) => {
  process.stdout.write(line + '\n');
  if (agentStarted) return;
  let event;
  try {
    event = JSON.parse(line);
  } catch {
    return;
  }
  if (event.event === 'setup.required') setupCode = /: (\S+)$/.exec(event.msg)?.[1];
  if (event.event !== 'listening') return;
  agentStarted = true;
  const agent = run('agent', agentMain, {
    MESHPING_SERVER_URL: event.url,
    MESHPING_AGENT_TOKEN_FILE: join(dataDir, 'local-agent.token'),
    // Its own state (status file) and no config file: an agent installed on this host keeps its own.
    MESHPING_AGENT_STATE_DIR: join(dataDir, 'local-agent'),
    MESHPING_AGENT_CONFIG: join(dataDir, 'local-agent.json'),
    // The local agent trusts exactly the server's certificate (self-signed by default).
    ...(event.fingerprint ? { MESHPING_SERVER_FINGERPRINT: event.fingerprint } : {}),
  });
  agent.stdout.pipe(process.stdout);
  const setup = setupCode
    ? `  First start: open ${event.url}/setup and create the admin with this one-time setup code: ${setupCode}\n`
    : '';
  const tls = event.fingerprint
    ? `  The certificate is self-signed unless you configured one; its SHA-256 fingerprint is\n  ${event.fingerprint}\n`
    : '';
  process.stdout.write(`\n  Meshping is running: open ${event.url}/ in a browser (Ctrl-C stops it).\n${setup}${tls}\n`);
});
