import type { ResultBuffer } from './result-buffer';

/** What the drops so far were for, in words: the window (with the server silent or away) or the memory bound. */
export function dropMessage(buffer: ResultBuffer, silentMs: number, connected: boolean): string {
  const { window, memory } = buffer.droppedBy;
  const { windowMs, maxBytes } = buffer.currentLimits;
  const parts: string[] = [];
  if (window) {
    const why = connected ? `the server silent for ${Math.round(silentMs / 1000)} s` : 'no link to the server';
    parts.push(`${window} results older than the ${windowMs / 1000} s buffer window (${why})`);
  }
  if (memory) parts.push(`${memory} oldest results at the memory bound (${maxBytes / 1024 / 1024} MB)`);
  return `dropped ${parts.join(' and ')} since start, reported to the server as a gap`;
}
