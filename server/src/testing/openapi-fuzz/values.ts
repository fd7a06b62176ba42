import { resolve, type OpenApiDocument, type Schema } from './openapi';

export type Random = () => number;

export const pick = <T>(random: Random, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const int = (random: Random, lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

/**
 * Values the schema cannot know but a valid request needs (a real password, a unique name, a MAC
 * address): by "Schema.field" or by field name. Returning undefined falls back to the schema.
 */
export type Hints = (schemaName: string, field: string, random: Random) => unknown;

/** A value the schema accepts. */
export function validValue(doc: OpenApiDocument, schema: Schema, random: Random, hints: Hints, schemaName = '', field = ''): unknown {
  const hinted = field ? hints(schemaName, field, random) : undefined;
  if (hinted !== undefined) return hinted;
  const s = resolve(doc, schema);
  if (s.enum?.length) return pick(random, s.enum);
  switch (s.type) {
    case 'boolean':
      return random() < 0.5;
    case 'number':
    case 'integer': {
      const lo = s.minimum ?? 1;
      const hi = s.maximum ?? Math.max(lo, 1000);
      return s.type === 'integer' || (Number.isInteger(lo) && hi - lo >= 1) ? int(random, Math.ceil(lo), Math.floor(hi)) : lo + random() * (hi - lo);
    }
    case 'string': {
      if (typeof s.example === 'string' && random() < 0.5) return s.example;
      const len = Math.min(s.maxLength ?? 24, Math.max(s.minLength ?? 1, int(random, 3, 16)));
      return Array.from({ length: len }, () => pick(random, [...'abcdefghijklmnopqrstuvwxyz0123456789'])).join('');
    }
    case 'array':
      return Array.from({ length: int(random, 0, 2) }, () => validValue(doc, s.items ?? {}, random, hints));
    default: {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(name) || random() < 0.6) out[name] = validValue(doc, prop, random, hints, schemaName, name);
      }
      return out;
    }
  }
}

const MB = 1024 * 1024;
/** Far past and far future times: the ends of the JavaScript Date range, and around them. */
export const FAR_TIMES = [8_640_000_000_000_000, -8_640_000_000_000_000, 8_639_997_321_600_000, 253_402_300_800_000, -1];
const HUGE_NUMBERS = [1e308, -1e308, 2 ** 53 + 2, 2 ** 63, -(2 ** 31) - 1, 0, -1, 0.5, 1e-9];
/** NUL, a right-to-left override, an emoji, a lone surrogate (JSON.stringify writes it as \ud800), blanks. */
export const UNICODE = ['\u0000', 'a\u202Eb', 'ok \u{1F600}', '\ud800', '\udfff\ud800', '', '   ', '\u0000'.repeat(64), 'x\r\ny'];

export interface Mutation {
  /** A stable name of what was done (the known-findings list matches on it), e.g. field-null. */
  kind: string;
  /** What was done, readable, e.g. body.retentionHours = null. */
  label: string;
}

export interface BodyCase extends Mutation {
  /** Raw bytes to send, or undefined for no body at all. */
  raw?: Buffer;
  /** Headers that replace the defaults (content-type, content-encoding). */
  headers?: Record<string, string>;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
export const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
export const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

/** Mutations of the body as a whole: not JSON, not an object, too big, too deep, wrongly encoded. */
export function wholeBodyCases(valid: unknown): BodyCase[] {
  const text = JSON.stringify(valid);
  return [
    { kind: 'body-absent', label: 'no body' },
    { kind: 'body-empty', label: 'empty body, JSON content type', raw: Buffer.alloc(0) },
    { kind: 'body-null', label: 'body null', raw: json(null) },
    { kind: 'body-scalar', label: 'body "text"', raw: json('text') },
    { kind: 'body-scalar', label: 'body 42', raw: json(42) },
    { kind: 'body-array', label: 'body [] (array where an object is expected)', raw: json([]) },
    { kind: 'body-array', label: 'body [valid]', raw: json([valid]) },
    { kind: 'body-malformed', label: 'malformed JSON (cut short)', raw: Buffer.from(text.slice(0, Math.max(1, text.length - 1))) },
    { kind: 'body-malformed', label: 'malformed JSON (NaN literal)', raw: Buffer.from('{"a": NaN}') },
    { kind: 'body-deep', label: 'body nested 10,000 arrays deep', raw: Buffer.from(deepArray(10_000)) },
    { kind: 'body-deep', label: 'body nested 10,000 objects deep', raw: Buffer.from(deepObject(10_000)) },
    { kind: 'body-oversized', label: 'body of 1 MB', raw: json({ ...(valid as object), pad: 'x'.repeat(MB) }) },
    { kind: 'body-content-type', label: 'valid JSON sent as text/plain', raw: json(valid), headers: { 'content-type': 'text/plain' } },
    { kind: 'body-content-type', label: 'valid JSON sent as application/x-www-form-urlencoded', raw: json(valid), headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    { kind: 'body-gzip', label: 'content-encoding gzip (bytes not gzip)', raw: json(valid), headers: { 'content-encoding': 'gzip' } },
    { kind: 'body-proto', label: 'body with __proto__ and constructor keys', raw: Buffer.from(`{"__proto__":{"role":"admin","isAdmin":true},"constructor":{"prototype":{"x":1}},${text.slice(1)}`) },
  ];
}

/** Mutations of one field of the body: beyond its type, range, length and character set. */
export function fieldCases(doc: OpenApiDocument, valid: Record<string, unknown>, schema: Schema, field: string, random: Random): BodyCase[] {
  const s = resolve(doc, schema.properties?.[field] ?? {});
  const put = (kind: string, label: string, value: unknown): BodyCase => ({ kind, label: `body.${field} = ${label}`, raw: json({ ...valid, [field]: value }) });
  const cases: BodyCase[] = [
    put('field-null', 'null', null),
    // An array field's wrong type is a string; [] is a valid value of it (within minItems).
    s.type === 'array' ? put('field-wrong-type', '"x" (string)', 'x') : put('field-wrong-type', '[] (array)', []),
    put('field-wrong-type', '{} (object)', { nested: { x: 1 } }),
    { kind: 'field-deep', label: `body.${field} = 10,000 nested arrays`, raw: Buffer.from(JSON.stringify({ ...valid, [field]: 0 }).replace(`"${field}":0`, `"${field}":${deepArray(10_000)}`)) },
  ];
  if (schema.required?.includes(field)) {
    const { [field]: _, ...rest } = valid;
    cases.push({ kind: 'field-missing', label: `body.${field} missing (required)`, raw: json(rest) });
  }
  if (s.type === 'string') {
    cases.push(put('field-wrong-type', '42 (number)', 42), put('field-wrong-type', 'true (boolean)', true));
    cases.push(put('field-long', '10,000 characters', 'x'.repeat(10_000)), put('field-long', '90 KB', 'y'.repeat(90_000)));
    for (const u of UNICODE) cases.push(put('field-unicode', JSON.stringify(u).slice(0, 40), u));
    cases.push(put('field-unicode', 'valid + NUL', `${String(valid[field] ?? 'x')}\u0000`));
  }
  if (s.type === 'number' || s.type === 'integer') {
    cases.push(put('field-wrong-type', '"12" (string)', '12'), put('field-wrong-type', '"NaN"', 'NaN'), put('field-wrong-type', '"Infinity"', 'Infinity'), put('field-wrong-type', 'true', true));
    for (const n of [...HUGE_NUMBERS, ...FAR_TIMES]) cases.push(put('field-number', String(n), n));
    // Literals JSON can write but a double cannot hold: overflow to Infinity, past 2^53, negative zero.
    for (const literal of ['1e400', '-1e400', '9007199254740993', '-0']) {
      cases.push({ kind: 'field-number', label: `body.${field} = ${literal} (literal)`, raw: Buffer.from(JSON.stringify({ ...valid, [field]: 0 }).replace(`"${field}":0`, `"${field}":${literal}`)) });
    }
  }
  if (s.type === 'array') {
    if ((s.minItems ?? 0) > 0) cases.push(put('field-items', '[] (fewer than minItems)', []));
    if (s.maxItems !== undefined) cases.push(put('field-items', `${s.maxItems + 1} items (more than maxItems)`, Array.from({ length: s.maxItems + 1 }, (_, i) => (Array.isArray(valid[field]) ? (valid[field] as unknown[])[0] : undefined) ?? `x${i}`)));
  }
  if (s.type === 'boolean') cases.push(put('field-wrong-type', '"true" (string)', 'true'), put('field-wrong-type', '1', 1), put('field-wrong-type', '"false"', 'false'));
  cases.push({ kind: 'field-extra', label: `body + unknown field "${field}Extra"`, raw: json({ ...valid, [`${field}Extra`]: int(random, 0, 9) }) });
  return cases;
}

/** Values for a query parameter beyond its schema (strings: a query has no types of its own). */
export const QUERY_VALUES: readonly [string, string][] = [
  ['query-empty', ''],
  ['query-wrong-type', 'abc'],
  ['query-wrong-type', 'NaN'],
  ['query-wrong-type', 'Infinity'],
  ['query-wrong-type', 'true'],
  ['query-number', '-1'],
  ['query-number', '0'],
  ['query-number', '1.5'],
  ['query-number', '1e309'],
  ['query-number', '9007199254740993'],
  ['query-number', '0x10'],
  ['query-time', String(FAR_TIMES[0])],
  ['query-time', String(FAR_TIMES[1])],
  ['query-time', '253402300800000'],
  ['query-unicode', '\u0000'],
  ['query-unicode', '\u202E1'],
  ['query-unicode', '\u{1F600}'],
  ['query-long', '9'.repeat(4000)],
];

/** Path parameter values: ids that do not exist, are not numbers, or are far too long. */
export const PATH_VALUES: readonly [string, string][] = [
  ['path-absent', '2147483647'],
  ['path-absent', '999999999999'],
  ['path-number', '0'],
  ['path-number', '-1'],
  ['path-number', '1.5'],
  ['path-number', '1e3'],
  ['path-number', '9007199254740993'],
  ['path-wrong-type', 'abc'],
  ['path-wrong-type', 'NaN'],
  ['path-wrong-type', 'Infinity'],
  ['path-wrong-type', 'null'],
  ['path-unicode', '\u0000'],
  ['path-unicode', '\u202E1'],
  ['path-unicode', '\ud83d\ude00'],
  ['path-long', '1'.repeat(4000)],
  ['path-long', 'x'.repeat(4000)],
];
