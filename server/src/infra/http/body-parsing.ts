import { HttpStatus, Logger } from '@nestjs/common';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** Largest request body accepted (bytes). */
export const BODY_LIMIT_BYTES = 100 * 1024;
/** Deepest nesting of arrays and objects accepted in a JSON body; no DTO needs more than a few. */
export const BODY_MAX_DEPTH = 16;
const JSON_TYPES = ['application/json', 'application/*+json'];
/** At most one warning line per this many ms; the rest are counted into the next one. */
const WARN_EVERY_MS = 10_000;

class BodyRefused extends Error {
  constructor(
    readonly status: HttpStatus,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one body parser of the app (Nest's own is switched off). It answers bad bodies itself, as
 * JSON in Nest's error shape, instead of handing the error down the middleware chain, where the
 * static-file module's error handler turned every one into "404 Cannot POST". Refused: a body that is
 * not JSON (415), compressed (415: no client of ours compresses, and it would make the size limit a
 * limit on the compressed size), over BODY_LIMIT_BYTES (413), malformed or nested deeper than
 * BODY_MAX_DEPTH (400; deep nesting made the validators recurse until the stack overflowed), or
 * holding what no DTO can take (400, see bodyContentProblem).
 */
export function jsonBodyParser(): RequestHandler {
  const logger = new Logger('HttpBody');
  const parse = express.json({ limit: BODY_LIMIT_BYTES, inflate: false, strict: true, type: JSON_TYPES, verify: (_req, _res, buf) => checkDepth(buf) });
  let lastWarn = 0;
  let suppressed = 0;

  const refuse = (req: Request, res: Response, status: HttpStatus, message: string): void => {
    const now = Date.now();
    if (now - lastWarn >= WARN_EVERY_MS) {
      // One line, no stack: a flood of bad bodies must not flood the log.
      logger.warn({ event: 'http.body-refused', status, reason: message, method: req.method, path: req.path, source: req.ip, suppressedSinceLast: suppressed });
      lastWarn = now;
      suppressed = 0;
    } else suppressed += 1;
    // The rest of the body is not read: close the connection after answering instead of draining it.
    res.setHeader('Connection', 'close');
    res.status(status).json({ message, error: HttpStatus[status].replace(/_/g, ' ').toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase()), statusCode: status });
  };

  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    if (!req.is(JSON_TYPES)) {
      return refuse(req, res, HttpStatus.UNSUPPORTED_MEDIA_TYPE, `Unsupported Content-Type "${req.get('content-type') ?? '(none)'}": send application/json.`);
    }
    parse(req, res, (err?: unknown) => {
      if (!err) {
        const problem = bodyContentProblem(req.body);
        return problem ? refuse(req, res, HttpStatus.BAD_REQUEST, problem) : next();
      }
      const failure = describe(err);
      refuse(req, res, failure.status, failure.message);
    });
  };
}

// String.prototype.isWellFormed is in Node 20 but not in the es2022 lib this workspace compiles against.
const isWellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** Keys that name Object.prototype's machinery; the DTOs never declare them. */
const PROTO_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why a parsed body is refused, or null. JSON escapes can carry lone surrogates ("\ud800"), which
 * no DTO wants and on which validator.js's isEmail threw (500); checked once here for every string
 * and key rather than in each validator. "__proto__", "constructor" and "prototype" keys used to be
 * dropped unseen by the whitelist (class-transformer skips them) and answered 200/201: refused here
 * like any other unknown field. Recursion is bounded by BODY_MAX_DEPTH, checked before parsing.
 */
export function bodyContentProblem(value: unknown, path = '$'): string | null {
  if (typeof value === 'string') return isWellFormed(value) ? null : `Request body field ${shown(path)} is not well-formed Unicode (it holds a lone surrogate).`;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = bodyContentProblem(value[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!isWellFormed(key)) return `Request body key at ${shown(path)} is not well-formed Unicode (it holds a lone surrogate).`;
    if (PROTO_KEYS.has(key)) return `Request body key "${key}" at ${shown(path)} is not allowed: it is not a field of any request.`;
    const problem = bodyContentProblem(item, `${path}.${key}`);
    if (problem) return problem;
  }
  return null;
}

/** Keys may be up to the body limit long: the message shows the start of the path only. */
const shown = (path: string): string => (path.length > 120 ? `${path.slice(0, 120)}...` : path);

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

function describe(err: unknown): BodyRefused {
  if (err instanceof BodyRefused) return err;
  const e = err as { type?: string; message?: string; status?: number; cause?: unknown };
  if (e.cause instanceof BodyRefused) return e.cause;
  switch (e.type) {
    case 'entity.too.large':
      return new BodyRefused(HttpStatus.PAYLOAD_TOO_LARGE, `Request body is larger than the limit of ${BODY_LIMIT_BYTES / 1024} KB (${BODY_LIMIT_BYTES} bytes).`);
    case 'encoding.unsupported':
      return new BodyRefused(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'Unsupported Content-Encoding: send the body uncompressed (identity).');
    case 'charset.unsupported':
      return new BodyRefused(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'Unsupported charset: send the body as UTF-8.');
    case 'entity.parse.failed':
      return new BodyRefused(HttpStatus.BAD_REQUEST, `Request body is not valid JSON: ${e.message ?? 'parse error'}`);
    default:
      return new BodyRefused(HttpStatus.BAD_REQUEST, `Request body could not be read: ${e.message ?? 'unknown error'}`);
  }
}

/** A linear scan of the raw bytes (brackets outside strings), before JSON.parse builds anything. */
export function checkDepth(buf: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > BODY_MAX_DEPTH) throw new BodyRefused(HttpStatus.BAD_REQUEST, `Request body is nested deeper than ${BODY_MAX_DEPTH} levels.`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
