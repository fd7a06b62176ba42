import { CacheMemory } from './cache-memory';

describe(CacheMemory.name, () => {
  it('hands back blocks zeroed, keeps at most the limit, and sets one aside for the next bucket per new block', () => {
    const memory = new CacheMemory(4);
    const first = memory.takeBlock(2); // no spares: a new block, and one set aside
    expect(memory.bytes).toBe(16);
    first.set([1, 2, 3, 4]);
    memory.giveBlock(first, 2);
    expect(memory.takeBlock(2)).toBe(first);
    expect([...first]).toEqual([0, 0, 0, 0]);
    memory.nextBucket(); // the block set aside becomes a spare
    const aside = memory.takeBlock(2);
    expect(aside).not.toBe(first);
    expect(memory.bytes).toBe(0);
    for (const block of [first, aside, new Uint32Array(4)]) memory.giveBlock(block, 2);
    expect(memory.bytes).toBe(2 * 16); // the third one is let go
  });

  it('reuses a page only for a bucket of the same page size, and never oversized pages', () => {
    const memory = new CacheMemory(4);
    const pages = [Buffer.alloc(64), Buffer.alloc(64), Buffer.alloc(200)];
    memory.givePages(pages, 64);
    expect(memory.bytes).toBe(128);
    expect(memory.takePage(64)).toBe(pages[1]);
    const bigger = memory.takePage(128); // the fleet grew: the smaller spares are let go
    expect(bigger.length).toBe(128);
    expect(pages).not.toContain(bigger);
    expect(memory.bytes).toBe(0);
  });
});
