import { ChangedCells } from './changed-cells';

describe(ChangedCells.name, () => {
  it('reports each changed cell once, in the order it first changed, and forgets it when taken', () => {
    const changed = new ChangedCells();
    changed.mark(Int32Array.of(7, 3, 7, 7, 0));
    changed.mark([3, 12]);
    expect(changed.size).toBe(4);
    expect([...changed.take()]).toEqual([7, 3, 0, 12]);
    expect(changed.size).toBe(0);
    expect([...changed.take()]).toEqual([]);
    // Taken cells are new again when they change again.
    changed.mark([3, 7]);
    expect([...changed.take()]).toEqual([3, 7]);
  });

  it('grows past its initial room: 5,000 cells with ids up to 99,999, each once', () => {
    const changed = new ChangedCells();
    const ids = Array.from({ length: 5_000 }, (_, i) => (i * 7_919) % 100_000);
    changed.mark(ids);
    changed.mark(ids.slice().reverse());
    changed.mark([99_999]);
    const taken = [...changed.take()];
    expect(taken).toEqual([...new Set([...ids, 99_999])]);
    expect(taken).toHaveLength(ids.includes(99_999) ? 5_000 : 5_001);
    changed.mark([99_999, 0]);
    expect([...changed.take()]).toEqual([99_999, 0]);
  });

  it('is unaffected by what the marker does with its array afterwards', () => {
    const changed = new ChangedCells();
    const cells = Int32Array.of(1, 2);
    changed.mark(cells);
    cells.fill(9);
    expect([...changed.take()]).toEqual([1, 2]);
  });
});
