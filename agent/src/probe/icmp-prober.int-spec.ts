import { systemClock } from '@meshping/node-kit';
import { PROBE_TIMEOUT_MS } from '@meshping/protocol';
import { IcmpProber } from './icmp-prober';

// Real ICMP through raw sockets: needs root or CAP_NET_RAW (CI runs as root).
describe(`${IcmpProber.name} (raw sockets, loopback)`, () => {
  const probers: IcmpProber[] = [];
  const open = () => {
    const p = new IcmpProber(systemClock);
    p.open();
    probers.push(p);
    return p;
  };
  afterEach(() => probers.splice(0).forEach((p) => p.close()));

  it('measures an echo round trip to 127.0.0.1 in microseconds', async () => {
    const rtts = await Promise.all([1, 2, 3].map(() => open().probe('127.0.0.1', 4, PROBE_TIMEOUT_MS)));
    for (const rtt of rtts) {
      expect(Number.isInteger(rtt)).toBe(true);
      expect(rtt).toBeGreaterThanOrEqual(0);
      expect(rtt).toBeLessThan(PROBE_TIMEOUT_MS * 1000);
    }
  });

  it('measures an echo round trip to ::1', async () => {
    const rtt = await open().probe('::1', 6, PROBE_TIMEOUT_MS);
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(rtt).toBeLessThan(PROBE_TIMEOUT_MS * 1000);
  });

  it('keeps two probers on one host from taking each other\'s replies', async () => {
    const [a, b] = [open(), open()];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).probe(i % 4 < 2 ? '127.0.0.1' : '::1', i % 4 < 2 ? 4 : 6, PROBE_TIMEOUT_MS)),
    );
    expect(results.every((rtt) => rtt >= 0)).toBe(true);
  });
});
