import type { Clock } from '@meshping/node-kit';
import { BUFFER_WINDOW_MS, decodeResults } from '@meshping/protocol';
import { ResultBuffer } from './result-buffer';

function fakeClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, monotonicNs: () => BigInt(now) * 1_000_000n, advance: (ms) => (now += ms) };
}

describe(ResultBuffer.name, () => {
  it('keeps batches until they are acknowledged and hands them back oldest first', () => {
    const buffer = new ResultBuffer(fakeClock(1_000_000));
    buffer.add({ targetId: 1, at: 1, rtt: 10 });
    const first = buffer.seal();
    buffer.add({ targetId: 2, at: 2, rtt: -1 });
    const second = buffer.seal();
    expect(buffer.seal()).toBeNull();
    expect(buffer.pending().map((b) => b.seq)).toEqual([0, 1]);
    expect(decodeResults(second!)).toEqual([{ targetId: 2, at: 2, rtt: -1 }]);
    buffer.ack(first!.seq);
    expect(buffer.pending().map((b) => b.seq)).toEqual([1]);
    expect(buffer.depth()).toBe(1);
  });

  it('drops only batches older than the buffer window, and counts the samples dropped', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock);
    buffer.add({ targetId: 1, at: 1, rtt: 10 });
    buffer.add({ targetId: 2, at: 1, rtt: 10 });
    buffer.seal();
    clock.advance(BUFFER_WINDOW_MS / 2);
    buffer.add({ targetId: 1, at: 2, rtt: 10 });
    buffer.seal();
    clock.advance(BUFFER_WINDOW_MS / 2 + 1);
    expect(buffer.expire()).toBe(2);
    expect(buffer.droppedSamples).toBe(2);
    expect(buffer.pending().map((b) => b.seq)).toEqual([1]);
  });
});
