import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs `ip` (iproute2); needs root or CAP_NET_ADMIN, as the agent's raw sockets need root anyway. */
async function ip(...args: string[]): Promise<string> {
  try {
    return (await exec('ip', args)).stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`ip ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  }
}

const quietly = (p: Promise<unknown>) => p.catch(() => undefined);

/**
 * A test's own network: a namespace `mp-e2e-<pid>` joined to the default one by a veth pair
 * (10.250.x.y/30: host end .1 here, far end .2 in the namespace), with echo replies switched off in
 * the namespace. The far end exists, is on-link and answers ARP, but never an echo request: a real
 * agent probing `silentAddress` gets "no reply", not "send error", and the probes never leave this
 * machine. `remove()` deletes the namespace (and with it both veth ends); `create()` removes what a
 * crashed earlier run of the same name left behind, and cleans up after itself if it fails.
 */
export class TestNetwork {
  private constructor(
    readonly namespace: string,
    private readonly hostLink: string,
    private readonly nsLink: string,
    readonly hostAddress: string,
    readonly silentAddress: string,
  ) {}

  static async create(id = process.pid): Promise<TestNetwork> {
    const namespace = `mp-e2e-${id}`;
    const hostLink = `mpe${id}h`; // interface names have at most 15 characters
    const nsLink = `mpe${id}n`;
    // One of the 16,384 /30 subnets of 10.250.0.0/16, chosen by id, skipping ones in use here.
    const used = await ip('-4', '-o', 'addr', 'show');
    const subnet = (slot: number) => `10.250.${slot >> 6}.${(slot & 63) * 4}`.split('.').map(Number);
    let slot = id % 16_384;
    while (used.includes(` ${subnet(slot).slice(0, 3).join('.')}.${subnet(slot)[3] + 1}/`)) slot = (slot + 1) % 16_384;
    const [a, b, c, d] = subnet(slot);
    const hostAddress = `${a}.${b}.${c}.${d + 1}`;
    const silentAddress = `${a}.${b}.${c}.${d + 2}`;
    const net = new TestNetwork(namespace, hostLink, nsLink, hostAddress, silentAddress);
    await net.remove(); // stale namespace or host link of an earlier run with the same id
    try {
      await ip('netns', 'add', namespace);
      await ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink, 'netns', namespace);
      await ip('addr', 'add', `${hostAddress}/30`, 'dev', hostLink);
      await ip('link', 'set', hostLink, 'up');
      await ip('-n', namespace, 'addr', 'add', `${silentAddress}/30`, 'dev', nsLink);
      await ip('-n', namespace, 'link', 'set', nsLink, 'up');
      await ip('-n', namespace, 'link', 'set', 'lo', 'up');
      await ip('netns', 'exec', namespace, 'sysctl', '-q', '-w', 'net.ipv4.icmp_echo_ignore_all=1');
    } catch (e) {
      await net.remove();
      throw e;
    }
    return net;
  }

  /**
   * Cuts the link silently (`up` false): the namespace's end of the veth goes down, so nothing passes
   * either way and neither side is told (no RST, no FIN); `up` true restores it (and its routes).
   */
  async setLink(up: boolean): Promise<void> {
    await ip('-n', this.namespace, 'link', 'set', this.nsLink, up ? 'up' : 'down');
  }

  /** Lets the namespace's kernel answer echo requests again (to its own loopback addresses, for an agent inside). */
  async answerEchoes(): Promise<void> {
    await ip('netns', 'exec', this.namespace, 'sysctl', '-q', '-w', 'net.ipv4.icmp_echo_ignore_all=0');
  }

  /** Deletes the namespace and the veth pair; safe to call twice or after a failed create. */
  async remove(): Promise<void> {
    await quietly(ip('netns', 'del', this.namespace));
    await quietly(ip('link', 'del', this.hostLink)); // gone with the namespace unless the namespace was not
  }
}
