import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * A two-namespace test network (NETLAB.md): `near` (the prober) and `far` (the target), joined by
 * a veth pair, IPv4 10.250.0.0/24 and IPv6 fd00:250::/64. Nothing is routed to or from the default
 * namespace. Names are unique per run, so parallel test runs do not collide; `destroy()` (also
 * registered for process exit) removes both namespaces and what runs in them.
 */
export class NetnsLab {
  static readonly near4 = '10.250.0.1';
  static readonly far4 = '10.250.0.2';
  static readonly near6 = 'fd00:250::1';
  static readonly far6 = 'fd00:250::2';
  /** Addresses on the segment where nobody answers. */
  static readonly dead4 = '10.250.0.99';
  static readonly dead6 = 'fd00:250::99';

  readonly near: string;
  readonly far: string;
  private readonly children: ChildProcess[] = [];
  private destroyed = false;
  private readonly onExit = () => this.destroy();

  constructor() {
    const tag = `mp${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
    this.near = `${tag}n`;
    this.far = `${tag}f`;
    process.once('exit', this.onExit);
    try {
      ip('netns', 'add', this.near);
      ip('netns', 'add', this.far);
      ip('link', 'add', 'veth0', 'netns', this.near, 'type', 'veth', 'peer', 'name', 'veth0', 'netns', this.far);
      for (const [ns, v4, v6] of [
        [this.near, NetnsLab.near4, NetnsLab.near6],
        [this.far, NetnsLab.far4, NetnsLab.far6],
      ]) {
        ip('-n', ns, 'link', 'set', 'lo', 'up');
        ip('-n', ns, 'addr', 'add', `${v4}/24`, 'dev', 'veth0');
        ip('-n', ns, '-6', 'addr', 'add', `${v6}/64`, 'dev', 'veth0', 'nodad');
        ip('-n', ns, 'link', 'set', 'veth0', 'up');
      }
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /** Runs a command in a namespace to completion; returns stdout. */
  exec(ns: string, command: string, args: string[], timeoutMs = 120_000): string {
    return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8', timeout: timeoutMs });
  }

  /** Runs a command in a namespace; resolves with its stdout when it exits 0. */
  run(ns: string, command: string, args: string[], okCodes = [0]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.push(child);
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (code) =>
        okCodes.includes(code ?? -1) ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err || out}`)),
      );
    });
  }

  /**
   * Switches the far namespace's kernel echo replies off and starts the user-space responder
   * there (tools/netlab/icmp-responder.cjs): every echo is answered after delayMs, lossPercent %
   * are dropped.
   */
  async impairFar(delayMs: number, lossPercent: number): Promise<void> {
    this.exec(this.far, 'sysctl', ['-q', '-w', 'net.ipv4.icmp_echo_ignore_all=1', 'net.ipv6.icmp.echo_ignore_all=1']);
    const script = join(__dirname, '../../../tools/netlab/icmp-responder.cjs');
    const child = spawn('ip', ['netns', 'exec', this.far, process.execPath, script, String(delayMs), String(lossPercent)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`icmp-responder exited ${code}`)));
      child.stdout?.once('data', () => resolve());
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.removeListener('exit', this.onExit);
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const ns of [this.near, this.far]) {
      try {
        // Whatever still runs inside (a child's child) goes with the namespace.
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone already */
      }
      try {
        ip('netns', 'del', ns);
      } catch {
        /* never created */
      }
    }
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
