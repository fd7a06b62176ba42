import type { Clock } from '@meshping/node-kit';
import { BUFFER_WINDOW_MS, decodeResults, parseResultsFrame, type ResultColumns } from '@meshping/protocol';
import { dropMessage } from './drop-message';
import { MAX_BACKLOG_IN_FLIGHT, ResultBuffer } from './result-buffer';

function fakeClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, monotonicNs: () => BigInt(now) * 1_000_000n, advance: (ms) => (now += ms) };
}

/** A frame as the server reads it: binary results, or a JSON message. */
function decode(frame: Uint8Array | string | null | undefined): ResultColumns & { type?: string; from?: number; to?: number } {
  if (typeof frame === 'string') return JSON.parse(frame);
  const parsed = parseResultsFrame(frame ?? new Uint8Array());
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const targets = (n: number, at: number) => Array.from({ length: n }, (_, i) => ({ targetId: i + 1, at: at + i, rtt: 1000 + i }));

describe(ResultBuffer.name, () => {
  it('keeps batches until they are acknowledged and hands them back oldest first', () => {
    const buffer = new ResultBuffer(fakeClock(1_000_000));
    buffer.add({ targetId: 1, at: 1, rtt: 10 });
    const first = buffer.seal();
    buffer.add({ targetId: 2, at: 2, rtt: -1 });
    const second = buffer.seal();
    expect(buffer.seal()).toBeNull();
    expect(buffer.pending().map((b) => b.seq)).toEqual([0, 1]);
    expect(decodeResults(decode(second?.frame))).toEqual([{ targetId: 2, at: 2, rtt: -1 }]);
    buffer.ack(first?.seq ?? -1);
    expect(buffer.pending().map((b) => b.seq)).toEqual([1]);
    expect(buffer.depth()).toBe(1);
  });

  it('drops only batches older than the buffer window, and reports the gap once, with its own seq', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock);
    buffer.add({ targetId: 1, at: 100, rtt: 10 });
    buffer.add({ targetId: 2, at: 200, rtt: 10 });
    buffer.seal();
    clock.advance(BUFFER_WINDOW_MS / 2);
    buffer.add({ targetId: 1, at: 300, rtt: 10 });
    buffer.seal();
    clock.advance(BUFFER_WINDOW_MS / 2 + 1);
    expect(buffer.expire()).toBe(2);
    expect(buffer.droppedSamples).toBe(2);
    const report = buffer.sealGapReport();
    expect(decode(report?.frame)).toEqual({ type: 'dropped', seq: 2, from: 100, to: 200, samples: 2 });
    expect(buffer.sealGapReport()).toBeNull();
    // The report waits for its ack like results, and never expires.
    clock.advance(BUFFER_WINDOW_MS * 2);
    buffer.expire();
    expect(buffer.pending().map((m) => [m.type, m.seq])).toEqual([['dropped', 2]]);
    buffer.ack(2);
    expect(buffer.pending()).toEqual([]);
  });

  it('never drops by the window a frame that went out unacknowledged (the server may hold it): it is resent first on the next link, and the report counts only frames never sent', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock, { windowMs: 10_000, maxBytes: 16 * 1024 * 1024 });
    buffer.add({ targetId: 1, at: 100, rtt: 10 });
    const inDoubt = buffer.seal();
    buffer.sent(inDoubt?.seq ?? -1); // written to the socket; the link dies before its ack
    clock.advance(1_000);
    buffer.add({ targetId: 1, at: 200, rtt: 10 });
    buffer.add({ targetId: 2, at: 201, rtt: 10 });
    buffer.seal(); // sealed while the link is down: never sent
    clock.advance(30_000); // both are far past the window
    expect(buffer.expire()).toBe(2);
    expect(buffer.droppedSamples).toBe(2);
    expect(buffer.pending().map((m) => [m.type, m.seq])).toEqual([['results', inDoubt?.seq]]);
    buffer.beginResend();
    const report = decode(buffer.nextResend());
    expect(report).toEqual({ type: 'dropped', seq: expect.any(Number), from: 200, to: 201, samples: 2 });
    // The frame in doubt goes again, byte for byte; the server stores it or knows it as a duplicate.
    expect(buffer.nextResend()).toEqual(inDoubt?.frame);
    clock.advance(60_000);
    expect(buffer.expire()).toBe(0);
    buffer.ack(inDoubt?.seq ?? -1);
    buffer.ack(report.seq);
    expect(buffer.settled()).toBe(true);
    expect(buffer.droppedSamples).toBe(2);
  });

  it('still drops a frame in doubt at the memory bound (the bound is hard), oldest first', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock, { windowMs: 10_000, maxBytes: 16 * 1024 * 1024 });
    for (const t of targets(50, 1_000)) buffer.add(t);
    const first = buffer.seal();
    buffer.sent(first?.seq ?? -1);
    for (const t of targets(50, 2_000)) buffer.add(t);
    buffer.seal();
    buffer.setLimits({ windowMs: 10_000, maxBytes: buffer.bytes() - 1 });
    expect(buffer.droppedBy).toEqual({ window: 0, memory: 50 });
    expect(buffer.pending().map((m) => m.seq)).toEqual([1]);
  });

  it('holds at most maxBytes of frames: the oldest results go first and are counted in one gap', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock, { windowMs: BUFFER_WINDOW_MS, maxBytes: 3_000 });
    let at = 1_000_000;
    for (let i = 0; i < 30; i++) {
      for (const s of targets(50, at)) buffer.add(s);
      at += 5_000;
      buffer.seal();
      expect(buffer.bytes()).toBeLessThanOrEqual(3_000);
    }
    const kept = buffer.pending();
    const dropped = buffer.droppedSamples;
    expect(dropped).toBeGreaterThan(0);
    expect(buffer.depth() + dropped).toBe(30 * 50);
    // Exactly the oldest went: what is kept is the newest batches, contiguous up to the last.
    expect(kept.map((b) => b.seq)).toEqual(Array.from({ length: kept.length }, (_, i) => 30 - kept.length + i));
    const gap = decode(buffer.sealGapReport()?.frame);
    expect(gap).toMatchObject({ from: 1_000_000, samples: dropped });
    expect(gap.to).toBeLessThan(kept[0].type === 'results' ? kept[0].base : 0);
  });

  it('resends the backlog oldest first with a bounded number of frames in flight, each ack letting the next go', () => {
    const buffer = new ResultBuffer(fakeClock(1_000_000));
    for (let i = 0; i < 20; i++) {
      buffer.add({ targetId: 1, at: i, rtt: i });
      buffer.seal();
    }
    buffer.ack(3); // acknowledged before the connection dropped
    buffer.beginResend();
    const first: number[] = [];
    for (let f = buffer.nextResend(); f !== null; f = buffer.nextResend()) first.push(decode(f).seq);
    expect(first).toEqual([0, 1, 2, 4, 5, 6, 7, 8].slice(0, MAX_BACKLOG_IN_FLIGHT));
    buffer.ack(0);
    expect(decode(buffer.nextResend()).seq).toBe(9);
    expect(buffer.nextResend()).toBeNull();
    for (const seq of [1, 2, 4, 5, 6, 7, 8, 9]) buffer.ack(seq);
    const rest: number[] = [];
    for (let f = buffer.nextResend(); f !== null; f = buffer.nextResend()) rest.push(decode(f).seq);
    expect(rest).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(buffer.backlog()).toBe(2);
  });

  it('sends one report per outage: drops while its report is unacknowledged extend it (new seq), never add another', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock, { windowMs: 30_000, maxBytes: 16 * 1024 * 1024 });
    // A link that died silently: every second a batch is sealed and sent, none is acknowledged.
    const sent: string[] = [];
    for (let second = 0; second < 100; second++) {
      buffer.add({ targetId: 1, at: 1_000 * second, rtt: 10 });
      buffer.expire();
      buffer.seal();
      const report = buffer.sealGapReport();
      if (report) sent.push(report.frame);
      clock.advance(1_000);
    }
    // The first drop's report went out on the (dead) link; later drops wait for its ack.
    expect(sent).toHaveLength(1);
    expect(buffer.droppedSamples).toBe(69); // sealed in seconds 0-68, more than 30 s before second 99
    expect(buffer.droppedBy).toEqual({ window: 69, memory: 0 });
    // The next connection resends one report covering every drop, under a new seq, and no other.
    buffer.beginResend();
    const resent: ReturnType<typeof decode>[] = [];
    for (let f = buffer.nextResend(); f !== null; f = buffer.nextResend()) resent.push(decode(f));
    const reports = buffer.pending().filter((m) => m.type === 'dropped');
    // It names the report it supersedes, which the server may have recorded (only its ack lost).
    expect(reports).toEqual([{ type: 'dropped', seq: expect.any(Number), from: 0, to: 68_000, samples: 69, replaces: JSON.parse(sent[0]).seq }]);
    expect(reports[0].seq).not.toBe(JSON.parse(sent[0]).seq);
    expect(resent.filter((m) => m.type === 'dropped')).toEqual(reports);
    // Once it is acknowledged, the next drop (another outage) gets a report of its own.
    buffer.ack(reports[0].seq);
    expect(buffer.sealGapReport()).toBeNull();
  });

  it('extends an acknowledged report while the outage\'s backlog is still being resent: results that age out during the resend join the same outage', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock, { windowMs: 10_000, maxBytes: 16 * 1024 * 1024 });
    buffer.add({ targetId: 1, at: 1, rtt: 10 });
    buffer.seal();
    clock.advance(6_000);
    buffer.add({ targetId: 1, at: 2, rtt: 10 }); // still within the window when the first one goes
    buffer.seal();
    clock.advance(5_000);
    buffer.expire(); // the first result ages out during the outage
    buffer.beginResend(); // the link is back: the report and the backlog are resent, paced by acks
    const first = buffer.pending().find((m) => m.type === 'dropped');
    expect(first).toEqual({ type: 'dropped', seq: expect.any(Number), from: 1, to: 1, samples: 1 });
    buffer.ack(first?.seq ?? -1); // the report is acknowledged before the rest of the backlog
    clock.advance(6_000);
    buffer.expire(); // the second result ages out while still waiting for its resend
    const extension = JSON.parse(buffer.sealGapReport()?.frame ?? 'null');
    expect(extension).toEqual({ type: 'dropped', seq: expect.any(Number), from: 1, to: 2, samples: 2, replaces: first?.seq });
    // Once nothing of the outage is left unacknowledged, a later drop is another outage.
    buffer.ack(extension.seq);
    buffer.add({ targetId: 1, at: 3, rtt: 10 });
    buffer.seal();
    clock.advance(11_000);
    buffer.expire();
    expect(JSON.parse(buffer.sealGapReport()?.frame ?? 'null')).toEqual({ type: 'dropped', seq: expect.any(Number), from: 3, to: 3, samples: 1 });
  });

  it('extends a report sealed while disconnected that never went out, instead of sealing a second', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock, { windowMs: 10_000, maxBytes: 16 * 1024 * 1024 });
    buffer.add({ targetId: 1, at: 1, rtt: 10 });
    buffer.seal();
    clock.advance(11_000);
    buffer.expire();
    buffer.beginResend(); // a connection came and went before the report could be sent
    buffer.add({ targetId: 1, at: 2, rtt: 10 });
    buffer.seal();
    clock.advance(11_000);
    buffer.expire();
    const report = decode(buffer.sealGapReport()?.frame);
    expect(report).toMatchObject({ type: 'dropped', from: 1, to: 2, samples: 2 });
    expect(buffer.pending().filter((m) => m.type === 'dropped')).toHaveLength(1);
  });

  it('marks every extension of an outage\'s report with the seq of its first report, so the server replaces what it may have recorded; a new outage starts afresh', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock, { windowMs: 10_000, maxBytes: 16 * 1024 * 1024 });
    /** One result sealed, then dropped by the window. */
    const dropOne = (at: number) => {
      buffer.add({ targetId: 1, at, rtt: 10 });
      buffer.seal();
      clock.advance(11_000);
      buffer.expire();
    };
    dropOne(1);
    const first = JSON.parse(buffer.sealGapReport()?.frame ?? 'null');
    expect(first).toEqual({ type: 'dropped', seq: expect.any(Number), from: 1, to: 1, samples: 1 }); // the outage's first: no replaces
    // The server recorded it, the link died before its ack: each later extension (two reconnects) names it.
    const extensions: ReturnType<typeof decode>[] = [];
    for (const at of [2, 3]) {
      dropOne(at);
      buffer.beginResend();
      extensions.push(decode(buffer.nextResend()));
    }
    expect(extensions).toEqual([
      { type: 'dropped', seq: expect.any(Number), from: 1, to: 2, samples: 2, replaces: first.seq },
      { type: 'dropped', seq: expect.any(Number), from: 1, to: 3, samples: 3, replaces: first.seq },
    ]);
    expect(new Set([first.seq, ...extensions.map((e) => e.seq)]).size).toBe(3);
    // Acknowledged: the next drop is another outage, reported on its own.
    buffer.ack(extensions[1].seq ?? -1);
    dropOne(4);
    const next = JSON.parse(buffer.sealGapReport()?.frame ?? 'null');
    expect(next).toEqual({ type: 'dropped', seq: expect.any(Number), from: 4, to: 4, samples: 1 });
  });

  it('counts drops by cause: the time window or the memory bound', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock, { windowMs: 10_000, maxBytes: 2_000 });
    for (let i = 0; i < 20; i++) {
      for (const s of targets(50, 1_000_000 + i * 5_000)) buffer.add(s);
      buffer.seal();
    }
    const byMemory = buffer.droppedSamples;
    expect(byMemory).toBeGreaterThan(0);
    clock.advance(10_001);
    buffer.expire();
    expect(buffer.droppedBy).toEqual({ memory: byMemory, window: 20 * 50 - byMemory });
    expect(dropMessage(buffer, 0, false)).toBe(
      `dropped ${20 * 50 - byMemory} results older than the 10 s buffer window (no link to the server) and ${byMemory} oldest results at the memory bound (0.0019073486328125 MB) since start, reported to the server as a gap`,
    );
  });

  it('names the window, not a full buffer, when results expire with memory to spare (the server silent)', () => {
    const clock = fakeClock(10_000_000);
    const buffer = new ResultBuffer(clock, { windowMs: 30_000, maxBytes: 16 * 1024 * 1024 });
    buffer.add({ targetId: 1, at: 1, rtt: 10 });
    buffer.seal();
    clock.advance(30_001);
    buffer.expire();
    expect(dropMessage(buffer, 42_000, true)).toBe('dropped 1 results older than the 30 s buffer window (the server silent for 42 s) since start, reported to the server as a gap');
  });

  it('hands what is unacknowledged to the next run: same results under new seqs, window from their sealing, drops reported once', () => {
    const clock = fakeClock(10_000_000);
    const before = new ResultBuffer(clock, { windowMs: 60_000, maxBytes: 16 * 1024 * 1024 });
    before.add({ targetId: 1, at: 100, rtt: 10 });
    before.seal();
    clock.advance(61_000);
    before.expire(); // dropped, reported, not acknowledged
    expect(before.sealGapReport()).not.toBeNull();
    before.add({ targetId: 2, at: 200, rtt: 20 });
    const inDoubt = before.seal();
    before.sent(inDoubt?.seq ?? -1); // went out, never acknowledged
    before.add({ targetId: 3, at: 300, rtt: -1 }); // never sealed
    const snapshot = before.snapshot();
    expect(snapshot.gap).toEqual({ from: 100, to: 100, samples: 1 });
    expect(snapshot.results.map((r) => r.sent ?? false)).toEqual([true, false]);
    const first = before.pending().find((m) => m.type === 'dropped');
    expect(snapshot.replaces).toBe(first?.seq);

    const after = new ResultBuffer(clock, { windowMs: 60_000, maxBytes: 16 * 1024 * 1024 });
    after.add({ targetId: 9, at: 900, rtt: 90 });
    after.restore(snapshot);
    expect(after.restoredSamples).toBe(2);
    const restored = after.pending().flatMap((m) => (m.type === 'results' ? decodeResults(m) : []));
    expect(restored).toEqual([
      { targetId: 2, at: 200, rtt: 20 },
      { targetId: 3, at: 300, rtt: -1 },
    ]);
    // The first run's report may be recorded already: this one replaces it.
    expect(decode(after.sealGapReport()?.frame)).toMatchObject({ type: 'dropped', from: 100, to: 100, samples: 1, replaces: first?.seq });
    // The window counts from when the first run sealed them; the frame the first run sent is still in doubt.
    clock.advance(60_001);
    expect(after.expire()).toBe(1);
    expect(after.pending().flatMap((m) => (m.type === 'results' ? decodeResults(m) : []))).toEqual([{ targetId: 2, at: 200, rtt: 20 }]);
  });
});
