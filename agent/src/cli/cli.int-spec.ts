import { PROTOCOL_VERSION, type AgentToServer } from '@meshping/protocol';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtocolPeer } from '../testing/protocol-peer';

/** The built agent's command line (tools/test.sh builds before testing; CI runs as root). */
const AGENT = join(__dirname, '../../../dist/agent/main.js');

describe('meshping-agent command line (built agent)', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const peers: ProtocolPeer[] = [];
  beforeAll(() => {
    if (!existsSync(AGENT)) throw new Error(`${AGENT} is missing: build the agent first (npx nx run agent:build)`);
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'meshping-cli-'))));
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(peers.splice(0).map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[], env: Record<string, string> = {}, prefix: string[] = []) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHPING_')));
    const [cmd, ...pre] = prefix.length ? prefix : [process.execPath];
    const r = spawnSync(cmd, [...pre, ...(prefix.length ? [process.execPath] : []), AGENT, '--config', join(dir, 'agent.json'), ...args], {
      env: { ...clean, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { code: r.status, out: r.stdout + r.stderr };
  };

  it('exits at once with 77 and says how to grant CAP_NET_RAW when it lacks the capability', () => {
    // An unprivileged user, as a careless deployment would start it.
    const env = { MESHPING_SERVER_URL: 'http://127.0.0.1:9', MESHPING_AGENT_TOKEN_FILE: join(dir, 'token'), MESHPING_AGENT_STATE_DIR: dir };
    const started = Date.now();
    for (const args of [['run'], ['probe', '127.0.0.1', '--count', '1']]) {
      const { code, out } = cli(args, env, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all']);
      expect(code).toBe(77);
      expect(out).toContain('CAP_NET_RAW');
      expect(out).toContain('setcap cap_net_raw+ep');
      expect(out).toContain('AmbientCapabilities=CAP_NET_RAW');
      expect(out).toContain('as root');
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('init writes the config file 0600; set checks each value and names the key it refuses', () => {
    const passphrase = 'mpj1.' + Buffer.from(JSON.stringify({ nope: 1 })).toString('base64url');
    expect(cli(['init', passphrase]).out).toContain('passphrase: not a Meshping join passphrase');
    expect(cli(['set', 'server-url', 'https://monitor.example:8443']).code).toBe(0);
    expect(statSync(join(dir, 'agent.json')).mode & 0o777).toBe(0o600);
    const bad = cli(['set', 'buffer-max-mb', 'lots']);
    expect(bad.code).toBe(78);
    expect(bad.out).toContain('buffer-max-mb: must be a whole number of megabytes');
    const unknown = cli(['set', 'sever-url', 'x']);
    expect(unknown.code).toBe(64);
    expect(unknown.out).toContain('unknown setting "sever-url"');
    expect(cli(['set', 'buffer-window-seconds', '600']).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8'))).toEqual({
      'server-url': 'https://monitor.example:8443',
      'buffer-window-seconds': '600',
    });
    // A value broken by hand is refused at start, naming the file's key.
    writeFileSync(join(dir, 'agent.json'), JSON.stringify({ 'server-url': 'ftp://x', 'state-dir': dir }));
    const run = cli(['run']);
    expect(run.code).toBe(78);
    expect(run.out).toContain(`server-url (in ${join(dir, 'agent.json')}): must be an http(s):// or ws(s):// URL`);
    const status = cli(['status']);
    expect(status.code).toBe(3);
    expect(status.out).toContain('State:       not running');
  });

  it('status describes the running agent; reload re-reads the file and keeps the buffered results', async () => {
    // First server: welcomes the agent and gives it a target, but never acknowledges anything.
    const first = new ProtocolPeer((p) => {
      p.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() });
      p.send({ type: 'targets', version: 1, targets: [{ id: 1, address: '127.0.0.1', name: null }] });
    });
    const second = new ProtocolPeer((p) => p.send({ type: 'welcome', protocol: PROTOCOL_VERSION, agentId: 7, serverTime: Date.now() }));
    peers.push(first, second);
    await Promise.all([first.ready(), second.ready()]);
    writeFileSync(join(dir, 'token'), 'a'.repeat(43));
    writeFileSync(join(dir, 'agent.json'), JSON.stringify({ 'server-url': first.url, 'token-file': join(dir, 'token'), 'state-dir': dir }));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHPING_')));
    const daemon = spawn(process.execPath, [AGENT, '--config', join(dir, 'agent.json'), 'run'], { env: clean, stdio: 'ignore' });
    children.push(daemon);

    const isResults = (m: AgentToServer): m is Extract<AgentToServer, { type: 'results' }> => m.type === 'results';
    await first.until(isResults, 15_000);
    await waitFor(() => {
      const s = cli(['status']);
      return s.code === 0 && /Buffer:\s+[1-9]\d* results not yet acknowledged/.test(s.out);
    }, 15_000);
    const status = cli(['status']).out;
    expect(status).toMatch(/State:\s+running \(pid \d+/);
    expect(status).toContain(`Server:      ${first.url.replace('http', 'ws')}`);
    expect(status).toMatch(/Connection:\s+connected since .* as agent #7/);
    expect(status).toMatch(/Targets:\s+1 \(list version 1\)/);
    expect(status).toContain('Last error:  none');

    expect(cli(['set', 'server-url', second.url]).code).toBe(0);
    const reload = cli(['reload']);
    expect(reload.code).toBe(0);
    // The second server gets the backlog from the first result on: the buffer survived the reload.
    const resent = await second.until(isResults, 15_000);
    expect(resent.seq).toBe(0);
    expect(daemon.exitCode).toBeNull();
    await waitFor(() => cli(['status']).out.includes(`Server:      ${second.url.replace('http', 'ws')}`), 10_000);
  }, 60_000);
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}
