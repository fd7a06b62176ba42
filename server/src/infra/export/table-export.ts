import { Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';

const logger = new Logger('Export');

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8' };

export type Cell = string | number | null | Record<string, unknown>;

/**
 * One column of an export: its CSV header (snake_case), its JSON key (camelCase), and its value in
 * row `i` of a page `P` (pages come in whatever shape their reader has, e.g. column arrays: no
 * object per row is made for the export).
 */
export interface ExportColumn<P> {
  csv: string;
  json: string;
  get(page: P, i: number): Cell;
  /** Text a user (or a client) chose: guarded against formula injection in CSV. */
  userText?: boolean;
}

/** Rows per write: ~50 kB of CSV; the unit backpressure works in. */
const ROWS_PER_WRITE = 1_000;

/**
 * First characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection": = + - @
 * TAB CR; ASVS 5.0 1.2.10 adds NUL). Such a user text cell gets a leading apostrophe.
 */
const FORMULA_START = /^[=+\-@\t\r\0]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF (quotes doubled). */
export function csvField(value: Cell, userText = false): string {
  if (value === null) return '';
  // Not String(value): V8 keeps number-to-string results in a cache that outlives the young
  // generation, so every at_ms of an export was promoted (~16 MB of old-generation garbage per
  // 744-hour export, measured); JSON.stringify writes the same digits without it.
  if (typeof value === 'number') return JSON.stringify(value);
  let s = typeof value === 'string' ? value : JSON.stringify(value);
  if (userText && FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader<P>(columns: readonly ExportColumn<P>[]): string {
  return columns.map((c) => c.csv).join(',') + '\r\n';
}

/** Rows start..end-1 of a page as CSV records, each ended by CRLF (one flat string per write). */
export function csvRecords<P>(columns: readonly ExportColumn<P>[], page: P, start: number, end: number): string {
  const lines: string[] = new Array(end - start + 1);
  const fields: string[] = new Array(columns.length);
  for (let i = start; i < end; i++) {
    for (let c = 0; c < columns.length; c++) fields[c] = csvField(columns[c].get(page, i), columns[c].userText);
    lines[i - start] = fields.join(',');
  }
  lines[end - start] = '';
  return lines.join('\r\n');
}

/** Rows as JSON array elements, one per line (",\n" before each; only "\n" before the array's first). */
export function jsonElements<P>(columns: readonly ExportColumn<P>[], page: P, first: boolean, start: number, end: number): string {
  const parts: string[] = new Array(end - start + 1);
  parts[0] = '';
  for (let i = start; i < end; i++) {
    const o: Record<string, Cell> = {};
    for (const col of columns) o[col.json] = col.get(page, i);
    parts[i - start + 1] = JSON.stringify(o);
  }
  const text = parts.join(',\n');
  return first ? text.slice(1) : text;
}

/**
 * A file name for Content-Disposition: every character that is not a letter, a digit, `.`, `_` or
 * `-` becomes `_` (no quotes, CR/LF, path separators or `:`), at most 200 characters.
 */
export function safeFileName(name: string): string {
  return name
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[.]+/, '_')
    .slice(0, 200);
}

/**
 * `attachment; filename="<ASCII>"` and, when the name has other characters, RFC 6266's
 * `filename*=UTF-8''<percent-encoded>` beside it (clients that know it prefer it).
 */
export function attachmentDisposition(name: string): string {
  const safe = safeFileName(name);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_');
  if (ascii === safe) return `attachment; filename="${ascii}"`;
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Writes `text`, waiting for 'drain' when the socket's buffer is full. False once the client is
 * gone (the connection closed before or while waiting): the caller stops.
 */
export function writeWithBackpressure(res: ServerResponse, text: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  if (res.write(text)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

export interface ExportOutcome {
  rows: number;
  /** False: the client went away or a read failed; the response was cut off (never ended as if whole). */
  complete: boolean;
  error?: unknown;
}

/**
 * Streams pages of rows as a CSV file (header line, CRLF) or a JSON array (valid for 0 rows: `[]`),
 * with backpressure: the next page is read only when the client has taken the previous one, and
 * a client that disconnects stops the reading (the pages' iterator is returned). A failure after
 * the first byte cannot become an error status any more: the connection is cut off instead, so
 * the client sees a truncated transfer, not a short file that looks whole.
 */
export interface ExportSource<P> {
  format: ExportFormat;
  /** Without the extension, which the format adds. */
  fileName: string;
  columns: readonly ExportColumn<P>[];
  pages: AsyncIterable<P>;
  /** Rows in a page. */
  rowsIn(page: P): number;
}

export async function streamExport<P>(res: ServerResponse, options: ExportSource<P> & { what: string }): Promise<ExportOutcome> {
  const started = performance.now();
  const outcome = await writeExport(res, options);
  const fields = { what: options.what, format: options.format, rows: outcome.rows, ms: Math.round(performance.now() - started) };
  if (outcome.error) logger.error({ event: 'export.failed', ...fields, err: outcome.error });
  else if (!outcome.complete) logger.log({ event: 'export.aborted', ...fields });
  else logger.log({ event: 'export.completed', ...fields });
  return outcome;
}

async function writeExport<P>(res: ServerResponse, options: ExportSource<P>): Promise<ExportOutcome> {
  const { format, columns, pages, rowsIn } = options;
  res.statusCode = 200;
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  res.setHeader('Content-Disposition', attachmentDisposition(`${options.fileName}.${format}`));
  res.setHeader('Cache-Control', 'no-store');
  let rows = 0;
  try {
    if (!(await writeWithBackpressure(res, format === 'csv' ? csvHeader(columns) : '['))) return { rows, complete: false };
    for await (const page of pages) {
      const size = rowsIn(page);
      for (let start = 0; start < size; start += ROWS_PER_WRITE) {
        const end = Math.min(size, start + ROWS_PER_WRITE);
        const text = format === 'csv' ? csvRecords(columns, page, start, end) : jsonElements(columns, page, rows === 0, start, end);
        // Leaving the loop returns the pages' iterator: its reads stop.
        if (!(await writeWithBackpressure(res, text))) return { rows, complete: false };
        rows += end - start;
      }
    }
    if (format === 'json' && !(await writeWithBackpressure(res, rows ? '\n]\n' : ']\n'))) return { rows, complete: false };
    res.end();
    return { rows, complete: true };
  } catch (error) {
    res.destroy();
    return { rows, complete: false, error };
  }
}
