/**
 * Sends ICMP echo requests. The scheduler and uplink only know this interface (CONVENTIONS.md 8):
 * the raw-socket implementation runs in production, a fake in unit tests.
 */
export interface Prober {
  /** Opens what the prober needs; throws MissingPrivilegeError without CAP_NET_RAW. */
  open(): void;
  /** One echo request; resolves with the RTT in µs or a negative RttCode. Never rejects. */
  probe(address: string, family: 4 | 6, timeoutMs: number): Promise<number>;
  close(): void;
}

export const PROBER = Symbol('PROBER');

export class MissingPrivilegeError extends Error {
  override readonly name = 'MissingPrivilegeError';
  constructor() {
    super(
      'The agent needs CAP_NET_RAW to send ICMP echo requests through a raw socket. Grant it one of these ways:\n' +
        '  - run the agent as root, or\n' +
        '  - sudo setcap cap_net_raw+ep "$(readlink -f "$(command -v node)")", or\n' +
        '  - under systemd: AmbientCapabilities=CAP_NET_RAW and CapabilityBoundingSet=CAP_NET_RAW (see deploy/systemd).',
    );
  }
}
