import { RttCode } from '@meshping/protocol';
import { QuietTargets } from './quiet-targets';

/** One batch: [targetId, at, rtt] per sample (the pair index is the target id here). */
function batch(quiet: QuietTargets, samples: [number, number, number][]): number[] {
  return quiet.add(
    Int32Array.from(samples, ([t]) => t),
    Float64Array.from(samples, ([, at]) => at),
    Int32Array.from(samples, ([, , rtt]) => rtt),
    (p) => p,
  );
}

describe(QuietTargets.name, () => {
  it('measures how long a target has had only no-replies, from the first after its last reply to the newest', () => {
    const quiet = new QuietTargets();
    batch(quiet, [[3, 1_000, 900], [3, 6_000, RttCode.NO_REPLY], [4, 6_000, 900]]);
    expect(quiet.quietMs(3)).toBe(0); // one no-reply: quiet from now, for no time yet
    batch(quiet, [[3, 16_000, RttCode.NO_REPLY], [3, 11_000, RttCode.NO_REPLY]]); // out of order across agents
    expect(quiet.quietMs(3)).toBe(10_000);
    expect(quiet.quietMs(4)).toBe(0);
    expect(quiet.quietMs(99)).toBe(0); // never measured
    // Errors on the agent's side (unresolved, send error) are not the target's silence.
    batch(quiet, [[3, 21_000, RttCode.SEND_ERROR]]);
    expect(quiet.quietMs(3)).toBe(10_000);
    // One reply from any agent ends it.
    batch(quiet, [[3, 26_000, 1_200]]);
    expect(quiet.quietMs(3)).toBe(0);
  });

  it('reports a dormant target once, at its first reply; forget() starts the count again', () => {
    const quiet = new QuietTargets();
    quiet.setDormant(7, true);
    expect(batch(quiet, [[7, 1_000, RttCode.NO_REPLY]])).toEqual([]);
    expect(batch(quiet, [[7, 6_000, 800], [7, 6_001, 850], [8, 6_000, 900]])).toEqual([7]);
    expect(batch(quiet, [[7, 11_000, 800]])).toEqual([]); // told already (waking is under way)
    batch(quiet, [[8, 16_000, RttCode.NO_REPLY], [8, 46_000, RttCode.NO_REPLY]]);
    expect(quiet.quietMs(8)).toBe(30_000);
    quiet.forget(8);
    expect(quiet.quietMs(8)).toBe(0);
  });
});
