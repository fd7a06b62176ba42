import type { Case } from './cases';
import { resolve, type OpenApiDocument } from './openapi';
import type { FuzzAnswer } from './send';

/** Field mutations no schema-valid request contains: the server must refuse them (4xx), not store them. */
const OUT_OF_SCHEMA = new Set(['field-wrong-type', 'field-missing', 'field-extra', 'body-null', 'body-scalar', 'body-array', 'body-proto']);

function message(a: FuzzAnswer): string {
  const m = (a.json as { message?: unknown } | undefined)?.message;
  return Array.isArray(m) ? m.join('; ') : String(m ?? '');
}

/**
 * What is wrong with an answer, or null. Right is a 2xx, or a 4xx with a JSON error body; never a
 * 5xx, never another status, never express's "Cannot POST" for a route that exists, and never a
 * 2xx for a body the schema rules out (a null where null is not allowed, a wrong type, a missing
 * required field, an unknown field).
 */
export function verdict(doc: OpenApiDocument, c: Case, a: FuzzAnswer): string | null {
  if (a.status >= 500) return `${a.status} server error`;
  if (a.status >= 200 && a.status < 300) {
    if (OUT_OF_SCHEMA.has(c.kind)) return `${a.status}: accepted a body outside the schema`;
    if (c.kind === 'field-null') {
      const field = /^body\.(\w+) = null$/.exec(c.label)?.[1] ?? '';
      const prop = c.op.body && resolve(doc, c.op.body.schema.properties?.[field] ?? {});
      if (prop && !prop.nullable) return `${a.status}: accepted null for ${field}, which the schema does not allow`;
    }
    return null;
  }
  if (a.status >= 400 && a.status < 500) {
    if (!a.contentType.includes('application/json') || typeof a.json !== 'object' || a.json === null) return `${a.status} without a JSON error body`;
    // A path mutation may leave the route's pattern (then express's 404 is right); anything else reached a route that exists.
    if (a.status === 404 && /^Cannot [A-Z]+ /.test(message(a)) && !c.kind.startsWith('path-')) return `404 "${message(a).slice(0, 60)}" for a route that exists`;
    return null;
  }
  return `unexpected status ${a.status}`;
}
