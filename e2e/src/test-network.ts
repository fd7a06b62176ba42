import { ip, quietly } from './ip';

/**
 * A test's own network: a namespace `mp-e2e-<pid>` joined to the default one by a veth pair
 * (10.250.x.y/29: host end .1 here, far end .2 in the namespace), with echo replies switched off in
 * the namespace. The far end exists, is on-link and answers ARP, but never an echo request: a real
 * agent probing `silentAddress` gets "no reply", not "send error", and the probes never leave this
 * machine. A process started in the namespace (`exec`) reaches the host end; `moveFarEnd()` gives
 * the far end another address of the subnet, as a host that moved. `remove()` deletes the namespace
 * (and with it both veth ends); `create()` removes what a crashed earlier run of the same name left
 * behind, and cleans up after itself if it fails.
 */
export class TestNetwork {
  private constructor(
    readonly namespace: string,
    private readonly hostLink: string,
    private readonly nsLink: string,
    readonly hostAddress: string,
    public silentAddress: string,
    private spareAddress: string,
  ) {}

  static async create(id = process.pid): Promise<TestNetwork> {
    const namespace = `mp-e2e-${id}`;
    const hostLink = `mpe${id}h`; // interface names have at most 15 characters
    const nsLink = `mpe${id}n`;
    // One of the 8,192 /29 subnets of 10.250.0.0/16, chosen by id, skipping ones in use here.
    const used = await ip('-4', '-o', 'addr', 'show');
    const subnet = (slot: number) => `10.250.${slot >> 5}.${(slot & 31) * 8}`.split('.').map(Number);
    let slot = id % 8_192;
    while (used.includes(` ${subnet(slot).slice(0, 3).join('.')}.${subnet(slot)[3] + 1}/`)) slot = (slot + 1) % 8_192;
    const [a, b, c, d] = subnet(slot);
    const [hostAddress, silentAddress, spareAddress] = [1, 2, 3].map((n) => `${a}.${b}.${c}.${d + n}`);
    const net = new TestNetwork(namespace, hostLink, nsLink, hostAddress, silentAddress, spareAddress);
    await net.remove(); // stale namespace or host link of an earlier run with the same id
    try {
      await ip('netns', 'add', namespace);
      await ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink, 'netns', namespace);
      await ip('addr', 'add', `${hostAddress}/29`, 'dev', hostLink);
      await ip('link', 'set', hostLink, 'up');
      await ip('-n', namespace, 'addr', 'add', `${silentAddress}/29`, 'dev', nsLink);
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

  /** Runs `command` inside the namespace (its network only; same files and users). */
  exec(command: string, args: string[]): Promise<string> {
    return ip('netns', 'exec', this.namespace, command, ...args);
  }

  /**
   * The far end moves to the subnet's spare address, as a host that got a new address: the old one
   * is removed, the new one added, and the namespace's TCP connections to the host end are closed
   * on its side (`ss -K`), as a host's are when its address goes away. Nothing reaches the host end:
   * the old address is gone before the reset would leave, so the server notices only when the
   * client connects again (or its dead-link timeout), as with a real move.
   */
  async moveFarEnd(): Promise<string> {
    const [from, to] = [this.silentAddress, this.spareAddress];
    await ip('-n', this.namespace, 'addr', 'del', `${from}/29`, 'dev', this.nsLink);
    await ip('-n', this.namespace, 'addr', 'add', `${to}/29`, 'dev', this.nsLink);
    await this.exec('ss', ['-K', 'dst', this.hostAddress]);
    [this.silentAddress, this.spareAddress] = [to, from];
    return to;
  }

  /** Deletes the namespace and the veth pair; safe to call twice or after a failed create. */
  async remove(): Promise<void> {
    await quietly(ip('netns', 'del', this.namespace));
    await quietly(ip('link', 'del', this.hostLink)); // gone with the namespace unless the namespace was not
  }
}
