import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BufferSnapshot } from './result-buffer';

/**
 * What a stopping agent could not deliver, kept in <state-dir>/unacknowledged.json (0600) for the
 * next start: the results frames themselves (base64; byte for byte what would have been resent) and
 * the dropped span not yet reported. A planned restart thus loses nothing, and what a window or
 * memory bound drops meanwhile is still reported as a gap.
 */
export const BUFFER_FILE = 'unacknowledged.json';
const FORMAT = 1;

interface Saved {
  format: number;
  savedAt: number;
  /** The server the results were measured for: target ids are that server's. */
  server: string;
  /** `sent` (optional: files from before lack it): the frame went out once and may be stored already. */
  results: { sealedAt: number; frame: string; sent?: boolean }[];
  gap: BufferSnapshot['gap'];
  /** Optional (files from before lack it): the outage the span's report belongs to. */
  replaces?: number;
}

export function bufferFilePath(stateDir: string): string {
  return join(stateDir, BUFFER_FILE);
}

/** Writes the snapshot (atomically: a half-written file is never read); nothing when it is empty. */
export function saveBuffer(stateDir: string, snapshot: BufferSnapshot, server: string, now: number): number {
  const file = bufferFilePath(stateDir);
  if (snapshot.results.length === 0 && !snapshot.gap) {
    rmSync(file, { force: true });
    return 0;
  }
  const saved: Saved = {
    format: FORMAT,
    savedAt: now,
    server,
    results: snapshot.results.map((r) => ({ sealedAt: r.sealedAt, frame: Buffer.from(r.frame).toString('base64'), ...(r.sent ? { sent: true } : {}) })),
    gap: snapshot.gap,
    replaces: snapshot.replaces,
  };
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(saved), { mode: 0o600 });
  renameSync(tmp, file);
  return snapshot.results.length;
}

/**
 * Reads and removes the file: what it held now lives in this run's buffer (a crash before it is
 * acknowledged loses it, as it loses any unacknowledged result). Null when there is none; throws
 * with the reason when the file is unreadable, or was saved for another server (its target ids
 * mean other targets there); the caller logs it and goes on without it.
 */
export function takeSavedBuffer(stateDir: string, server: string): BufferSnapshot | null {
  const file = bufferFilePath(stateDir);
  if (!existsSync(file)) return null;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Saved;
    if (saved?.format !== FORMAT || !Array.isArray(saved.results)) throw new Error(`not a format ${FORMAT} buffer file`);
    if (saved.server !== server) throw new Error(`saved for another server (${saved.server}), not ${server}: its results are discarded`);
    const gap = saved.gap;
    if (gap !== null && !(Number.isSafeInteger(gap?.from) && Number.isSafeInteger(gap?.to) && Number.isSafeInteger(gap?.samples) && gap.samples > 0)) {
      throw new Error('its dropped span is malformed');
    }
    return {
      results: saved.results.map((r) => {
        if (!Number.isFinite(r?.sealedAt) || typeof r.frame !== 'string') throw new Error('a results entry is malformed');
        const frame = new Uint8Array(Buffer.from(r.frame, 'base64'));
        return r.sent === true ? { sealedAt: r.sealedAt, frame, sent: true } : { sealedAt: r.sealedAt, frame };
      }),
      gap,
      // A malformed one is left out: the span is still reported, only perhaps not as a replacement.
      ...(gap && Number.isSafeInteger(saved.replaces) && (saved.replaces as number) >= 0 ? { replaces: saved.replaces } : {}),
    };
  } finally {
    rmSync(file, { force: true });
  }
}
