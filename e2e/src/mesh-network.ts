import { ip, quietly } from './ip';

/** A host on the mesh's segment: its own namespace, one interface (eth0) on the bridge. */
export interface MeshHost {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
}

/**
 * A small real network for a test, as NETLAB.md prescribes: one namespace (`core`) holds a bridge;
 * every host (agents, targets) is a namespace of its own with a veth on that bridge, and the
 * default namespace joins it too (the host end, `hostAddress`), so a server started here is reached
 * by every agent directly, with no routing (ip_forward stays off). Addresses are one /24 of
 * 10.251.0.0/16, chosen by id and skipping subnets in use, that exists only on this bridge.
 *
 * `setLink(host, false)` takes the host's interface down inside its namespace: silently (no RST, no
 * FIN; the far side just hears nothing), as a cut cable or a dead host. `remove()` deletes every
 * namespace (and with them the veths); `create()` first removes what a crashed run of the same id
 * left, and cleans up after itself if it fails.
 */
export class MeshNetwork {
  readonly hosts = new Map<string, MeshHost>();
  private constructor(
    private readonly prefix: string,
    private readonly subnet: string,
    readonly hostAddress: string,
    private readonly hostLink: string,
  ) {}

  /** `names`: the hosts, each also its interface's name on the bridge (letters and digits; not an `ip` keyword such as "up"). */
  static async create(names: string[], id = process.pid): Promise<MeshNetwork> {
    for (const n of names) if (!/^[a-z][a-z0-9]{1,10}$/.test(n) || ['up', 'down', 'dev', 'master', 'type', 'name'].includes(n)) throw new Error(`host name ${n}: 2-11 lower-case letters and digits, not an ip keyword`);
    const used = await ip('-4', '-o', 'addr', 'show');
    let slot = id % 250;
    while (used.includes(` 10.251.${slot}.`)) slot = (slot + 1) % 250;
    const prefix = `mp-mesh${id}`;
    const net = new MeshNetwork(prefix, `10.251.${slot}`, `10.251.${slot}.1`, `mpm${id}h`); // interface names: at most 15 characters
    await net.remove(names);
    try {
      const core = net.core;
      await ip('netns', 'add', core);
      await ip('-n', core, 'link', 'add', 'br0', 'type', 'bridge');
      await ip('-n', core, 'link', 'set', 'br0', 'up');
      await ip('link', 'add', net.hostLink, 'type', 'veth', 'peer', 'name', 'host', 'netns', core);
      await ip('-n', core, 'link', 'set', 'host', 'master', 'br0', 'up');
      await ip('addr', 'add', `${net.hostAddress}/24`, 'dev', net.hostLink);
      await ip('link', 'set', net.hostLink, 'up');
      for (const [i, name] of names.entries()) {
        const host: MeshHost = { name, namespace: `${prefix}-${name}`, address: `${net.subnet}.${10 + i}` };
        await ip('netns', 'add', host.namespace);
        await ip('-n', core, 'link', 'add', name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.namespace);
        await ip('-n', core, 'link', 'set', name, 'master', 'br0', 'up');
        await ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
        await ip('-n', host.namespace, 'link', 'set', 'eth0', 'up');
        await ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
        net.hosts.set(name, host);
      }
    } catch (e) {
      await net.remove(names);
      throw e;
    }
    return net;
  }

  private get core(): string {
    return `${this.prefix}-core`;
  }

  host(name: string): MeshHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name} on this mesh`);
    return host;
  }

  /** Takes the host's interface down (`up` false: silent, nothing passes either way) or up again. */
  async setLink(name: string, up: boolean): Promise<void> {
    await ip('-n', this.host(name).namespace, 'link', 'set', 'eth0', up ? 'up' : 'down');
  }

  /** Deletes the namespaces (and so the veths) and the host end; safe to call twice or after a failed create. */
  async remove(names = [...this.hosts.keys()]): Promise<void> {
    for (const name of names) await quietly(ip('netns', 'del', `${this.prefix}-${name}`));
    await quietly(ip('netns', 'del', this.core));
    await quietly(ip('link', 'del', this.hostLink));
  }
}
