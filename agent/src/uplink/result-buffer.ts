import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import {
  BUFFER_WINDOW_MS,
  decodeResults,
  encodeResultsFrame,
  MAX_SAMPLES_PER_BATCH,
  parseResultsFrame,
  type DroppedReport,
  type ResultColumns,
  type Sample,
} from '@meshping/protocol';
import type { AgentConfig } from '../config/agent-config';

/** How much the buffer may hold: results older than windowMs, or beyond maxBytes of frames, are dropped. */
export interface BufferLimits {
  windowMs: number;
  maxBytes: number;
}
export const BUFFER_LIMITS = Symbol('BUFFER_LIMITS');
export const DEFAULT_BUFFER_LIMITS: BufferLimits = { windowMs: BUFFER_WINDOW_MS, maxBytes: 16 * 1024 * 1024 };

/** The bounds the settings give (buffer-window-seconds, buffer-max-mb). */
export function bufferLimits(config: AgentConfig): BufferLimits {
  return { windowMs: config.MESHPING_BUFFER_WINDOW_SECONDS * 1000, maxBytes: config.MESHPING_BUFFER_MAX_MB * 1024 * 1024 };
}
/** Backlog frames sent but not yet acknowledged, at most: the server's acks pace the resend. */
export const MAX_BACKLOG_IN_FLIGHT = 8;

/** Why results were dropped: older than the time window, or beyond the memory bound. */
export type DropCause = 'window' | 'memory';

/** Probe times of the oldest and newest of some samples, and how many. */
interface Span {
  from: number;
  to: number;
  samples: number;
}

/** What a stopping agent leaves in its state dir for the next start (buffer-store.ts). */
export interface BufferSnapshot {
  /**
   * Unacknowledged results frames, oldest first, with when each was sealed (the window counts from
   * there) and whether it was ever sent (then the server may hold it: kept past the window, see ResultBuffer).
   */
  results: { sealedAt: number; frame: Uint8Array; sent?: boolean }[];
  /** Dropped results not yet acknowledged as reported (one span: the next report covers them). */
  gap: Span | null;
  /**
   * When the span includes a report that was sealed (and may have been recorded, its ack lost):
   * the seq of its outage's first report, for the next report's `replaces`.
   */
  replaces?: number;
}

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
  /**
   * Written to a socket at least once: the server may have stored it (its ack lost with the link).
   * Such a frame is not dropped by the window, only by an ack or the memory bound (see the class).
   */
  sent?: boolean;
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
 * One report per outage: drops are collected into one open span; a report not yet acknowledged is
 * replaced (under a new seq) by one covering the old span and the new drops, unless it is already on
 * its way over the current connection: then the new drops wait for its ack or for the next
 * connection. A link that dies without the agent noticing at once (the server falls silent) thus
 * carries at most one report into the void, and the server receives one report for the whole outage.
 * The server may have recorded a replaced report (only its ack was lost): the replacement names the
 * outage's first report (`replaces`, its seq, the same for every later extension), and the server
 * replaces that record rather than adding to it, so the outage's results are counted once.
 *
 * The count is exact: the window drops only frames never sent. A frame written to a socket and not
 * acknowledged is in doubt (the server may have stored it in the moment the link died, its ack
 * lost), so it is kept past the window and resent on the next connection, where the server stores
 * it or recognises it as a duplicate; reporting it dropped would count results the server holds.
 * In-doubt frames are few (what the link carried between its last ack and the agent noticing it
 * dead, at most the silent-server bound); the memory bound still drops them, oldest first, and
 * only then may a report count a result the server has.
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
  private gap: Span | null = null;
  /**
   * The last `dropped` report while unacknowledged, whether it went out on the current connection,
   * and the seq of its outage's first report (what an extension of it `replaces`).
   */
  private openReport: { seq: number; sent: boolean; outage: number } | null = null;
  /** The outage a restored span belongs to (the previous run's open report), until it is sealed. */
  private restoredOutage: number | null = null;
  /**
   * The outage's report once acknowledged, while the backlog it left is still being resent: results
   * that age out of the window meanwhile belong to the same outage, so their report extends this one
   * (`replaces`) rather than starting a second. Cleared when nothing older is left unacknowledged.
   */
  private ackedOutage: { outage: number; span: Span } | null = null;
  private resendQueue: number[] = [];
  private resendNext = 0;
  private readonly inFlight = new Set<number>();
  /** Results measured since start / dropped since start. */
  producedSamples = 0;
  droppedSamples = 0;
  /** droppedSamples by cause: the time window, or the memory bound. */
  readonly droppedBy: Record<DropCause, number> = { window: 0, memory: 0 };
  /** Results carried over from the previous run (restore), not counted in producedSamples. */
  restoredSamples = 0;
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

  /** The frame `seq` went out on the link: from now on the server may hold it. */
  sent(seq: number): void {
    const entry = this.unacked.get(seq);
    if (entry) entry.sent = true;
  }

  /**
   * Seals what was dropped since the last report into a `dropped` message (kept until acked), for
   * the caller to send now: a new report, or the unacknowledged one replaced by a report covering
   * both. Null when nothing was dropped, or while the open report is on its way (see the class).
   */
  sealGapReport(): { seq: number; frame: string } | null {
    if (this.openReport?.sent) return null;
    const sealed = this.sealGap();
    if (sealed && this.openReport) this.openReport.sent = true;
    return sealed;
  }

  private sealGap(): { seq: number; frame: string } | null {
    if (!this.gap) return null;
    let span = this.gap;
    let outage = this.restoredOutage;
    const open = this.openReport && this.unacked.get(this.openReport.seq);
    if (open && this.openReport) {
      span = union(open, span);
      outage = this.openReport.outage;
      this.forget(open);
      this.inFlight.delete(open.seq);
    } else if (this.ackedOutage) {
      span = union(this.ackedOutage.span, span);
      outage = this.ackedOutage.outage;
    }
    this.ackedOutage = null;
    const seq = this.nextSeq++;
    // An extension says which outage it supersedes: the server may hold the replaced report already.
    const report: DroppedReport = outage === null ? { type: 'dropped', seq, ...span } : { type: 'dropped', seq, ...span, replaces: outage };
    const frame = JSON.stringify(report);
    this.unacked.set(report.seq, { ...span, seq: report.seq, kind: 'dropped', frame, sealedAt: this.clock.now() });
    this.gap = null;
    this.restoredOutage = null;
    this.openReport = { seq, sent: false, outage: outage ?? seq };
    return { seq: report.seq, frame };
  }

  /** Whether any results frame is unacknowledged (stops at the first: usually the oldest entry). */
  private holdsResults(): boolean {
    for (const e of this.unacked.values()) if (e.kind === 'results') return true;
    return false;
  }

  ack(seq: number): void {
    const entry = this.unacked.get(seq);
    this.inFlight.delete(seq);
    if (seq === this.openReport?.seq) {
      if (entry) this.ackedOutage = { outage: this.openReport.outage, span: { from: entry.from, to: entry.to, samples: entry.samples } };
      this.openReport = null;
    }
    if (!entry) return;
    this.forget(entry);
    if (this.ackedOutage && !this.holdsResults()) this.ackedOutage = null;
  }

  /**
   * Drops results sealed longer ago than the window and never sent; returns how many samples went.
   * A frame that was sent stays until acknowledged (the server may hold it; see the class).
   */
  expire(): number {
    const limit = this.clock.now() - this.limits.windowMs;
    let dropped = 0;
    for (const entry of this.unacked.values()) {
      if (entry.sealedAt >= limit) break;
      if (entry.kind === 'results' && !entry.sent) dropped += this.drop(entry, 'window');
    }
    return dropped;
  }

  /**
   * Starts resending everything unacknowledged, oldest first (after a (re)connect). Drops collected
   * while disconnected join the open report first, so the new connection carries one report.
   */
  beginResend(): void {
    if (this.openReport) this.openReport.sent = false;
    this.sealGap();
    // The report first: it is about the oldest results, and tells the server at once what is missing.
    const entries = [...this.unacked.values()];
    this.resendQueue = [...entries.filter((e) => e.kind === 'dropped'), ...entries.filter((e) => e.kind === 'results')].map((e) => e.seq);
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
      entry.sent = true;
      if (entry.seq === this.openReport?.seq) this.openReport.sent = true;
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

  /** Nothing left to deliver: no sample, no report, no drop unacknowledged. */
  settled(): boolean {
    return this.fresh.length === 0 && this.unacked.size === 0 && this.gap === null;
  }

  /** Bytes of frames held (the memory bound's measure). */
  bytes(): number {
    return this.heldBytes;
  }

  /**
   * Everything unacknowledged, for a stopping agent to keep: fresh samples are sealed first; the
   * open report and the drops not reported yet become one span.
   */
  snapshot(): BufferSnapshot {
    while (this.seal()) {
      /* seal everything fresh */
    }
    let gap = this.gap;
    for (const e of this.unacked.values()) if (e.kind === 'dropped') gap = union(gap, e);
    const results = [...this.unacked.values()]
      .filter((e) => e.kind === 'results')
      .map((e) => ({ sealedAt: e.sealedAt, frame: e.frame as Uint8Array, ...(e.sent ? { sent: true } : {}) }));
    // The open report may be recorded already: the next run's report must replace it, not add to it.
    const outage = this.openReport && this.unacked.has(this.openReport.seq) ? this.openReport.outage : this.restoredOutage;
    return outage === null ? { results, gap } : { results, gap, replaces: outage };
  }

  /**
   * Takes over what the previous run left unacknowledged, before anything new: its results are
   * resent under this run's sequence numbers, and their window still counts from when they were
   * sealed; its drops are reported with the next report.
   */
  restore(snapshot: BufferSnapshot): void {
    for (const { sealedAt, frame, sent } of snapshot.results) {
      const parsed = parseResultsFrame(frame);
      if (!parsed.ok) throw new Error(`saved results frame: ${parsed.error}`);
      const samples = decodeResults(parsed.value);
      if (samples.length === 0) continue;
      const seq = this.nextSeq++;
      const encoded = encodeResultsFrame(seq, samples);
      const span = samples.reduce((g, x) => union(g, { from: x.at, to: x.at, samples: 1 }), null as Span | null) as Span;
      this.unacked.set(seq, { seq, kind: 'results', frame: encoded, ...span, sealedAt, ...(sent ? { sent: true } : {}) });
      this.heldBytes += encoded.byteLength;
      this.heldSamples += samples.length;
      this.restoredSamples += samples.length;
    }
    if (snapshot.gap) {
      this.gap = union(this.gap, snapshot.gap);
      if (snapshot.replaces !== undefined) this.restoredOutage = snapshot.replaces;
    }
    this.enforceMemory();
  }

  private enforceMemory(): void {
    if (this.heldBytes <= this.limits.maxBytes) return;
    for (const entry of this.unacked.values()) {
      if (this.heldBytes <= this.limits.maxBytes) break;
      if (entry.kind === 'results') this.drop(entry, 'memory');
    }
  }

  private drop(entry: Entry, cause: DropCause): number {
    this.forget(entry);
    this.inFlight.delete(entry.seq);
    this.droppedSamples += entry.samples;
    this.droppedBy[cause] += entry.samples;
    this.gap = union(this.gap, entry);
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

/** The span covering both, with both counts. */
function union(a: Span | null, b: Span): Span {
  return a ? { from: Math.min(a.from, b.from), to: Math.max(a.to, b.to), samples: a.samples + b.samples } : { from: b.from, to: b.to, samples: b.samples };
}
