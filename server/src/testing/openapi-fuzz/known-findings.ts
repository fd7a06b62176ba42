import type { Case } from './cases';

/**
 * Defects already known and being fixed elsewhere (issue #13), each with the cases that find it.
 * MESHPING_FUZZ_SKIP names the ones to leave out of a run (comma-separated ids, or "all"), so the
 * rest can be checked before those fixes land. Empty by default: CI sends every case.
 */
export interface KnownFinding {
  id: string;
  /** Where in issue #13 it is described. */
  issue: string;
  matches(c: Case, now: number): boolean;
}

const YEAR_MS = 365.25 * 86_400_000;
const isPairWindow = (c: Case) => /^\/api\/pairs\/.*\/(stats|series)$/.test(c.op.path);
const queryNumber = (c: Case, name: string) => c.query.filter(([k]) => k === name).map(([, v]) => Number(v));
const topLevelNull = (c: Case) => c.kind === 'field-null' || c.kind === 'body-null';

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    id: 'pair-window-far-future',
    issue: '#13 item 1: a far-future `to` on /api/pairs/.../stats|series loops once per 5-s slot and freezes the server',
    matches: (c, now) => isPairWindow(c) && [...queryNumber(c, 'to'), ...queryNumber(c, 'from')].some((n) => n > now + YEAR_MS),
  },
  {
    id: 'dto-null',
    issue: '#13 item 2: null in settings, user and target DTOs answers 500 or is stored',
    matches: (c) => topLevelNull(c) && /^\/api\/(settings|users|targets)/.test(c.op.path),
  },
  {
    id: 'body-deep',
    issue: '#13 item 7: deeply nested JSON answers 500 (class-transformer overflows the stack) with an error-level stack trace',
    matches: (c) => c.kind === 'body-deep' || c.kind === 'field-deep',
  },
];

/** The known findings named in MESHPING_FUZZ_SKIP (unknown names are an error, so a typo cannot hide anything). */
export function skippedFindings(value = ''): KnownFinding[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return [...KNOWN_FINDINGS];
  const unknown = names.filter((n) => !KNOWN_FINDINGS.some((k) => k.id === n));
  if (unknown.length) throw new Error(`MESHPING_FUZZ_SKIP names unknown findings: ${unknown.join(', ')} (known: ${KNOWN_FINDINGS.map((k) => k.id).join(', ')})`);
  return KNOWN_FINDINGS.filter((k) => names.includes(k.id));
}
