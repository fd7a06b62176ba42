import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini ships without messages; English ones make errors readable for agents and users.
z.config(en());

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Formats zod issues as "path: reason; path: reason" (at most five), for error replies and logs. */
export function describeIssues(error: z.core.$ZodError): string {
  const shown = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(message)';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 5 ? `; and ${error.issues.length - 5} more` : '';
  return shown.join('; ') + more;
}

/**
 * Parses one WebSocket frame (text or already-decoded JSON) against a schema.
 * Never throws: a bad frame yields a readable error and nothing else.
 */
export function parseFrame<T>(schema: z.ZodMiniType<T>, frame: unknown, maxBytes: number): Parsed<T> {
  const decoded = decodeFrame(frame, maxBytes);
  if (!decoded.ok) return decoded;
  const result = schema.safeParse(decoded.value);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describeIssues(result.error) };
}

/** A frame's JSON value, before any schema: size-checked and parsed when it is text. */
export function decodeFrame(frame: unknown, maxBytes: number): Parsed<unknown> {
  if (typeof frame === 'string') {
    if (frame.length > maxBytes) return { ok: false, error: `frame larger than ${maxBytes} bytes` };
    try {
      return { ok: true, value: JSON.parse(frame) };
    } catch {
      return { ok: false, error: 'frame is not valid JSON' };
    }
  }
  if (frame === null || frame === undefined) return { ok: false, error: 'frame must be a JSON text frame' };
  return { ok: true, value: frame };
}

/** Small schema helpers shared by the message definitions. */
export const intIn = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));
export const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
export const arrayMax = <T extends z.core.SomeType>(item: T, max: number) => z.array(item).check(z.maxLength(max));
