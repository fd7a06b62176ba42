/**
 * Characters a name shown to people may not hold: controls (Cc: NUL, escape sequences, newlines),
 * format characters (Cf: the bidi marks, embeddings, overrides and isolates such as U+202E,
 * zero-width space, BOM, tag characters), line and paragraph separators, and lone surrogates. They
 * let a name hide or reorder what is shown beside it, break log lines, or end a C string early.
 * Two Cf characters are allowed: ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER (U+200C, U+200D),
 * which Persian and Indic names and emoji sequences need and which reorder nothing.
 */
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]|(?![\u200C\u200D])\p{Cf}/u;

/**
 * Why a name (a target's name or group, an agent's hostname, a token's name) is refused, or null
 * when it is fine. One rule for the REST API and the agent socket; `field` names the field in the
 * message. Length limits stay with each field.
 */
export function displayNameProblem(value: string, field = 'name'): string | null {
  const bad = FORBIDDEN.exec(value);
  if (bad) {
    const code = bad[0].codePointAt(0) ?? 0;
    return `${field} must not contain control or format characters (U+${code.toString(16).toUpperCase().padStart(4, '0')} at ${bad.index})`;
  }
  if (value !== value.trim()) return `${field} must not start or end with whitespace`;
  return null;
}
