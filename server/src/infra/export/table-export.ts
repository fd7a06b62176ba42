import { Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';

const logger = new Logger('Export');

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8' };

export type Cell = string | number | null | Record<string, unknown>;

/** One column of an export: its CSV header (snake_case), its JSON key (camelCase), its value. */
export interface ExportColumn<R> {
  csv: string;
  json: string;
  get(row: R): Cell;
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
  if (typeof value === 'number') return String(value);
  let s = typeof value === 'string' ? value : JSON.stringify(value);
  if (userText && FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader<R>(columns: readonly ExportColumn<R>[]): string {
  return columns.map((c) => c.csv).join(',') + '\r\n';
}

/** Rows as CSV records, each ended by CRLF. */
export function csvRecords<R>(columns: readonly ExportColumn<R>[], rows: readonly R[], start = 0, end = rows.length): string {
  let out = '';
  for (let i = start; i < end; i++) {
    let line = '';
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c];
      line += (c ? ',' : '') + csvField(col.get(rows[i]), col.userText);
    }
    out += line + '\r\n';
  }
  return out;
}

/** Rows as JSON array elements, one per line; `first`: no comma before the first one. */
export function jsonElements<R>(columns: readonly ExportColumn<R>[], rows: readonly R[], first: boolean, start = 0, end = rows.length): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const o: Record<string, Cell> = {};
    for (const col of columns) o[col.json] = col.get(rows[i]);
    out += (first && i === start ? '\n' : ',\n') + JSON.stringify(o);
  }
  return out;
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
export async function streamExport<R>(
  res: ServerResponse,
  options: { what: string; format: ExportFormat; fileName: string; columns: readonly ExportColumn<R>[]; pages: AsyncIterable<readonly R[]> },
): Promise<ExportOutcome> {
  const started = performance.now();
  const outcome = await writeExport(res, options);
  const fields = { what: options.what, format: options.format, rows: outcome.rows, ms: Math.round(performance.now() - started) };
  if (outcome.error) logger.error({ event: 'export.failed', ...fields, err: outcome.error });
  else if (!outcome.complete) logger.log({ event: 'export.aborted', ...fields });
  else logger.log({ event: 'export.completed', ...fields });
  return outcome;
}

async function writeExport<R>(
  res: ServerResponse,
  options: { format: ExportFormat; fileName: string; columns: readonly ExportColumn<R>[]; pages: AsyncIterable<readonly R[]> },
): Promise<ExportOutcome> {
  const { format, columns, pages } = options;
  res.statusCode = 200;
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  res.setHeader('Content-Disposition', attachmentDisposition(`${options.fileName}.${format}`));
  res.setHeader('Cache-Control', 'no-store');
  let rows = 0;
  try {
    if (!(await writeWithBackpressure(res, format === 'csv' ? csvHeader(columns) : '['))) return { rows, complete: false };
    for await (const page of pages) {
      for (let start = 0; start < page.length; start += ROWS_PER_WRITE) {
        const end = Math.min(page.length, start + ROWS_PER_WRITE);
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
