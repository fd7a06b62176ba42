import { FAILURE_TTL_MS, MIN_TTL_MS, TargetResolver, type ResolverDeps } from './target-resolver';

function fakeDns(answers: Record<string, { address: string; family: number; ttl: number | null } | Error>) {
  const calls: string[] = [];
  const deps: ResolverDeps = {
    lookup: async (host) => {
      calls.push(host);
      const a = answers[host];
      if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      if (a instanceof Error) throw a;
      return a;
    },
    ttl: async (host) => {
      const a = answers[host];
      return a && !(a instanceof Error) ? a.ttl : null;
    },
  };
  return { deps, calls, answers };
}

describe(TargetResolver.name, () => {
  let now = 1_000_000;
  const clock = () => now;

  it('passes IP literals through without asking DNS', async () => {
    const dns = fakeDns({});
    const resolver = new TargetResolver(clock, dns.deps);
    expect(await resolver.resolve('192.0.2.1')).toEqual({ address: '192.0.2.1', family: 4 });
    expect(await resolver.resolve('2001:db8::1')).toEqual({ address: '2001:db8::1', family: 6 });
    expect(dns.calls).toEqual([]);
  });

  it("keeps an answer for its record's TTL, then resolves again and follows the move", async () => {
    const dns = fakeDns({ 'host.example': { address: '192.0.2.5', family: 4, ttl: 30 } });
    const resolver = new TargetResolver(clock, dns.deps);
    expect(await resolver.resolve('host.example')).toEqual({ address: '192.0.2.5', family: 4 });
    now += 29_000;
    await resolver.resolve('host.example');
    expect(dns.calls).toHaveLength(1);
    dns.answers['host.example'] = { address: '2001:db8::5', family: 6, ttl: 0 };
    now += 2_000;
    expect(await resolver.resolve('host.example')).toEqual({ address: '2001:db8::5', family: 6 });
    // A TTL of 0 is held the minimum time, not re-asked at every probe.
    now += MIN_TTL_MS - 1;
    await resolver.resolve('host.example');
    expect(dns.calls).toHaveLength(2);
  });

  it('reports a failure as such, retries it after a short while, and shares concurrent lookups', async () => {
    const dns = fakeDns({});
    const resolver = new TargetResolver(clock, dns.deps);
    const [a, b] = await Promise.all([resolver.resolve('nowhere.example'), resolver.resolve('nowhere.example')]);
    expect(a).toEqual({ error: 'ENOTFOUND' });
    expect(b).toBe(a);
    expect(dns.calls).toHaveLength(1);
    dns.answers['nowhere.example'] = { address: '192.0.2.9', family: 4, ttl: null };
    now += FAILURE_TTL_MS + 1;
    expect(await resolver.resolve('nowhere.example')).toEqual({ address: '192.0.2.9', family: 4 });
  });
});
