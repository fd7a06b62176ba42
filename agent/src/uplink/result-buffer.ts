import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import {
  BUFFER_WINDOW_MS,
  encodeResultsFrame,
  MAX_SAMPLES_PER_BATCH,
  parseResultsFrame,
  type DroppedReport,
  type ResultColumns,
  type Sample,
} from '@meshping/protocol';

/** How much the buffer may hold: results older than windowMs, or beyond maxBytes of frames, are dropped. */
export interface BufferLimits {
  windowMs: number;
  maxBytes: number;
}
export const BUFFER_LIMITS = Symbol('BUFFER_LIMITS');
export const DEFAULT_BUFFER_LIMITS: BufferLimits = { windowMs: BUFFER_WINDOW_MS, maxBytes: 16 * 1024 * 1024 };
/** Backlog frames sent but not yet acknowledged, at most: the server's acks pace the resend. */
export const MAX_BACKLOG_IN_FLIGHT = 8;

/** One sealed message waiting for its ack: a results batch or a gap report, kept as the frame to send. */
interface Entry {
  seq: number;
  kind: 'results' | 'dropped';
  /** A binary results frame, or a `dropped` report's JSON. */
  frame: Uint8Array | string;
  samples: number;
  /** Probe times of the oldest and newest sample. */
  from: number;
  to: number;
  sealedAt: number;
}

/**
 * Every result the server has not acknowledged: samples not yet sealed, and sealed messages sent
 * (or waiting to be sent) without an ack. Messages are kept as their frames (results: binary, about 4
 * bytes per sample; gap reports: JSON): what is resent is byte for byte what was sent, and the
 * memory bound counts real bytes.
 *
 * Bounded by time (windowMs) and memory (maxBytes): when a bound is hit the oldest results go
 * first, and what went is reported to the server as a gap (`dropped`, which shares the results'
 * sequence numbers and is itself kept until acknowledged), never silently.
 *
 * After a reconnect the backlog is resent oldest first, MAX_BACKLOG_IN_FLIGHT frames at a time
 * (each ack lets the next one go), while newly sealed batches go out at once.
 */
@Injectable()
export class ResultBuffer {
  private fresh: Sample[] = [];
  /** Insertion order is seq order: oldest first. */
  private readonly unacked = new Map<number, Entry>();
  private nextSeq = 0;
  private heldBytes = 0;
  private heldSamples = 0;
  /** Dropped but not yet sealed into a report. */
  private gap: { from: number; to: number; samples: number } | null = null;
  private resendQueue: number[] = [];
  private resendNext = 0;
  private readonly inFlight = new Set<number>();
  /** Results measured since start / dropped since start. */
  producedSamples = 0;
  droppedSamples = 0;
  private limits: BufferLimits;

  constructor(@Inject(CLOCK) private readonly clock: Clock, @Optional() @Inject(BUFFER_LIMITS) limits?: BufferLimits) {
    this.limits = limits ?? DEFAULT_BUFFER_LIMITS;
  }

  /** New bounds (reload); a smaller memory bound drops the oldest at once. */
  setLimits(limits: BufferLimits): void {
    this.limits = limits;
    this.enforceMemory();
  }

  get currentLimits(): BufferLimits {
    return this.limits;
  }

  add(sample: Sample): void {
    this.fresh.push(sample);
    this.producedSamples += 1;
  }

  /**
   * Seals the samples collected so far into the next results frame, or null when there are none.
   * The caller sends it now if connected; otherwise it waits here for the next resend.
   */
  seal(): { seq: number; frame: Uint8Array } | null {
    if (this.fresh.length === 0) return null;
    const samples = this.fresh.splice(0, MAX_SAMPLES_PER_BATCH);
    let from = Infinity;
    let to = -Infinity;
    for (const s of samples) {
      from = Math.min(from, s.at);
      to = Math.max(to, s.at);
    }
    const seq = this.nextSeq++;
    const frame = encodeResultsFrame(seq, samples);
    const entry: Entry = { seq, kind: 'results', frame, samples: samples.length, from, to, sealedAt: this.clock.now() };
    this.unacked.set(entry.seq, entry);
    this.heldBytes += frame.byteLength;
    this.heldSamples += entry.samples;
    this.enforceMemory();
    return this.unacked.has(seq) ? { seq, frame } : null;
  }

  /** Seals what was dropped since the last report into a `dropped` message (kept until acked). */
  sealGapReport(): { seq: number; frame: string } | null {
    if (!this.gap) return null;
    const report: DroppedReport = { type: 'dropped', seq: this.nextSeq++, ...this.gap };
    const frame = JSON.stringify(report);
    this.unacked.set(report.seq, { ...this.gap, seq: report.seq, kind: 'dropped', frame, sealedAt: this.clock.now() });
    this.gap = null;
    return { seq: report.seq, frame };
  }

  ack(seq: number): void {
    const entry = this.unacked.get(seq);
    this.inFlight.delete(seq);
    if (!entry) return;
    this.forget(entry);
  }

  /** Drops results sealed longer ago than the window; returns how many samples went. */
  expire(): number {
    const limit = this.clock.now() - this.limits.windowMs;
    let dropped = 0;
    for (const entry of this.unacked.values()) {
      if (entry.sealedAt >= limit) break;
      if (entry.kind === 'results') dropped += this.drop(entry);
    }
    return dropped;
  }

  /** Starts resending everything unacknowledged, oldest first (after a (re)connect). */
  beginResend(): void {
    this.resendQueue = [...this.unacked.keys()];
    this.resendNext = 0;
    this.inFlight.clear();
  }

  /** The next backlog frame to send, or null when the backlog is done or enough frames are in flight. */
  nextResend(): Uint8Array | string | null {
    if (this.inFlight.size >= MAX_BACKLOG_IN_FLIGHT) return null;
    while (this.resendNext < this.resendQueue.length) {
      const entry = this.unacked.get(this.resendQueue[this.resendNext++]);
      if (!entry) continue; // acked or dropped meanwhile
      this.inFlight.add(entry.seq);
      return entry.frame;
    }
    this.resendQueue = [];
    this.resendNext = 0;
    return null;
  }

  /** Backlog frames still to resend (not counting those in flight). */
  backlog(): number {
    return this.resendQueue.length - this.resendNext;
  }

  /** Unacknowledged messages, oldest first, decoded (tests and diagnostics). */
  pending(): (({ type: 'results' } & ResultColumns) | DroppedReport)[] {
    return [...this.unacked.values()].map((e) => {
      if (typeof e.frame === 'string') return JSON.parse(e.frame) as DroppedReport;
      const parsed = parseResultsFrame(e.frame);
      if (!parsed.ok) throw new Error(`buffer holds a bad frame: ${parsed.error}`);
      return { type: 'results' as const, ...parsed.value };
    });
  }

  /** Samples held: not yet sealed plus sealed but unacknowledged. */
  depth(): number {
    return this.fresh.length + this.heldSamples;
  }

  /** Bytes of frames held (the memory bound's measure). */
  bytes(): number {
    return this.heldBytes;
  }

  private enforceMemory(): void {
    if (this.heldBytes <= this.limits.maxBytes) return;
    for (const entry of this.unacked.values()) {
      if (this.heldBytes <= this.limits.maxBytes) break;
      if (entry.kind === 'results') this.drop(entry);
    }
  }

  private drop(entry: Entry): number {
    this.forget(entry);
    this.inFlight.delete(entry.seq);
    this.droppedSamples += entry.samples;
    this.gap = this.gap
      ? { from: Math.min(this.gap.from, entry.from), to: Math.max(this.gap.to, entry.to), samples: this.gap.samples + entry.samples }
      : { from: entry.from, to: entry.to, samples: entry.samples };
    return entry.samples;
  }

  private forget(entry: Entry): void {
    this.unacked.delete(entry.seq);
    if (entry.kind === 'results') {
      this.heldBytes -= (entry.frame as Uint8Array).byteLength;
      this.heldSamples -= entry.samples;
    }
  }
}
