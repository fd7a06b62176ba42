import { opName, type OpenApiDocument, type Operation } from './openapi';
import type { FuzzRequest } from './send';
import { fieldCases, PATH_VALUES, QUERY_VALUES, validValue, wholeBodyCases, type BodyCase, type Hints, type Mutation, type Random } from './values';

/** One fuzz case of one operation: what was mutated, and the request it makes. */
export interface Case extends Mutation {
  op: Operation;
  path: Record<string, string>;
  query: [string, string][];
  /** The body as sent (raw bytes), undefined for none. */
  body?: Buffer;
  headers: Record<string, string>;
}

/** Valid values the fuzzer supplies for an operation: ids of objects that exist, query times near now. */
export interface Fixture {
  path: Record<string, string>;
  query?: Record<string, string>;
}

function validQuery(doc: OpenApiDocument, op: Operation, fixture: Fixture, random: Random, hints: Hints): [string, string][] {
  const out: [string, string][] = [];
  for (const p of op.queryParams) {
    const given = fixture.query?.[p.name];
    if (given !== undefined) out.push([p.name, given]);
    else if (p.required || random() < 0.5) out.push([p.name, String(validValue(doc, p.schema ?? {}, random, hints, 'query', p.name))]);
  }
  return out;
}

/**
 * Every case for one operation: `valid` valid requests, then each mutation of the body as a whole,
 * of each body field, of each query parameter (plus repeated and bracketed forms) and of each path
 * parameter. With `sample` > 0, only that many of the field/query/path mutations (seeded pick): for
 * a role the operation refuses, where the guard answers before the body and query are read.
 */
export function casesFor(doc: OpenApiDocument, op: Operation, fixture: Fixture, random: Random, hints: Hints, valid = 3, sample = 0): Case[] {
  const json = { 'content-type': 'application/json' };
  const base = () => {
    const body = op.body ? (validValue(doc, op.body.schema, random, hints, op.body.name) as Record<string, unknown>) : undefined;
    return { path: { ...fixture.path }, query: validQuery(doc, op, fixture, random, hints), body };
  };
  const cases: Case[] = [];
  for (let i = 0; i < valid; i++) {
    const b = base();
    cases.push({ op, kind: 'valid', label: 'valid', path: b.path, query: b.query, body: b.body && Buffer.from(JSON.stringify(b.body)), headers: b.body ? json : {} });
  }
  const mutated: Case[] = [];
  const fromBody = (b: ReturnType<typeof base>, c: BodyCase): Case => ({
    op, kind: c.kind, label: c.label, path: b.path, query: b.query, body: c.raw, headers: { ...(c.raw ? json : {}), ...c.headers },
  });
  if (op.body) {
    const b = base();
    for (const c of wholeBodyCases(b.body)) cases.push(fromBody(b, c));
    for (const field of Object.keys(op.body.schema.properties ?? {})) {
      for (const c of fieldCases(doc, b.body ?? {}, op.body.schema, field, random)) mutated.push(fromBody(base(), c));
    }
  }
  for (const p of op.queryParams) {
    for (const [kind, value] of QUERY_VALUES) {
      const b = base();
      mutated.push({ op, kind, label: `query ${p.name}=${JSON.stringify(value).slice(0, 40)}`, path: b.path, query: [...b.query.filter(([n]) => n !== p.name), [p.name, value]], headers: b.body ? json : {}, body: b.body && Buffer.from(JSON.stringify(b.body)) });
    }
    const b = base();
    mutated.push({ op, kind: 'query-repeated', label: `query ${p.name} given twice`, path: b.path, query: [...b.query, [p.name, '1'], [p.name, '2']], headers: {} });
    mutated.push({ op, kind: 'query-bracket', label: `query ${p.name}[a]=1 (object form)`, path: b.path, query: [...b.query.filter(([n]) => n !== p.name), [`${p.name}[a]`, '1']], headers: {} });
  }
  for (const p of op.pathParams) {
    for (const [kind, value] of PATH_VALUES) {
      const b = base();
      mutated.push({ op, kind, label: `path ${p.name}=${JSON.stringify(value).slice(0, 40)}`, path: { ...b.path, [p.name]: value }, query: b.query, headers: b.body ? json : {}, body: b.body && Buffer.from(JSON.stringify(b.body)) });
    }
  }
  if (sample > 0) {
    for (let i = 0; i < sample && mutated.length; i++) cases.push(mutated.splice(Math.floor(random() * mutated.length), 1)[0]);
  } else cases.push(...mutated);
  return cases;
}

/** Some cases combine values on purpose (a window far in the future, reversed, too long). */
export function windowCases(op: Operation, fixture: Fixture, now: number): Case[] {
  if (!op.queryParams.some((p) => p.name === 'from') || !op.queryParams.some((p) => p.name === 'to')) return [];
  const c = (label: string, from: number, to: number): Case => ({ op, kind: 'query-window', label, path: { ...fixture.path }, query: [['from', String(from)], ['to', String(to)]], headers: {} });
  return [
    c('window at the end of time (from=8639997321600000, to=8640000000000000)', 8_639_997_321_600_000, 8_640_000_000_000_000),
    c('window 100 years ahead', now + 3_155_760_000_000, now + 3_155_760_000_000 + 3_600_000),
    c('window at the start of time', -8_640_000_000_000_000, -8_639_999_996_400_000),
    c('window reversed', now, now - 3_600_000),
    c('window of 10 years', now - 315_576_000_000, now),
    c('window of zero width', now, now),
  ];
}

/** The request a case makes, for a principal's headers. */
export function toRequest(c: Case, headers: Record<string, string>): FuzzRequest {
  let path = c.op.path;
  for (const [name, value] of Object.entries(c.path)) path = path.replace(`{${name}}`, encodeURIComponent(value));
  const qs = c.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return { method: c.op.method, path: qs ? `${path}?${qs}` : path, headers: { ...headers, ...c.headers }, body: c.body, label: `${opName(c.op)}: ${c.label}` };
}


