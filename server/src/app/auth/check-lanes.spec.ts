import { CheckLane } from './check-lanes';

describe(CheckLane.name, () => {
  it('runs up to its slots, queues up to its limit in order, refuses beyond, and hands slots on', async () => {
    const lane = new CheckLane({ running: 2, waiting: 2, perOwner: 5 });
    const a = await lane.enter('a');
    const b = await lane.enter('b');
    const order: string[] = [];
    const c = lane.enter('c')?.then((r) => (order.push('c'), r));
    const d = lane.enter('d')?.then((r) => (order.push('d'), r));
    expect(lane.enter('e')).toBeNull();
    expect(lane.busy).toEqual({ running: 2, waiting: 2 });
    a?.();
    a?.(); // a second release of the same slot changes nothing
    const releaseC = await c;
    expect([order, lane.busy]).toEqual([['c'], { running: 2, waiting: 1 }]);
    b?.();
    releaseC?.();
    (await d)?.();
    expect(order).toEqual(['c', 'd']);
    expect(lane.busy).toEqual({ running: 0, waiting: 0 });
  });

  it('gives one owner no more than its share, running and waiting together', async () => {
    const lane = new CheckLane({ running: 2, waiting: 4, perOwner: 1 });
    const first = await lane.enter('net-1');
    expect(lane.enter('net-1')).toBeNull();
    expect(lane.enter('net-2')).not.toBeNull();
    first?.();
    expect(lane.enter('net-1')).not.toBeNull();
  });
});
