import { displayNameProblem } from './display-name';

describe('displayNameProblem', () => {
  it('accepts names in any script, with inner spaces and symbols', () => {
    for (const n of ['core router', 'Zürich-01', 'مسیریاب', '東京 DC', 'rack 7 / slot 2', 'a']) expect([n, displayNameProblem(n)]).toEqual([n, null]);
  });

  it('accepts ZWNJ and ZWJ, which Persian and Indic names and emoji sequences need', () => {
    // Persian half-space (ZWNJ), a Devanagari conjunct shown half-form (ZWJ), a family emoji, a rainbow flag.
    for (const n of ['\u0645\u06CC\u200C\u0631\u0648\u062F', '\u0915\u094D\u200D\u0937', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', '\u{1F3F3}\uFE0F\u200D\u{1F308} lab']) {
      expect([n, displayNameProblem(n)]).toEqual([n, null]);
    }
  });

  it('refuses controls, bidi and other format characters, separators and lone surrogates, naming the field and the character', () => {
    expect(displayNameProblem('evil\u202Egnp.exe', 'hostname')).toBe('hostname must not contain control or format characters (U+202E at 4)');
    const bidi = ['a\u202Ab', 'a\u202Bb', 'a\u202Cb', 'a\u202Db', 'a\u2066b', 'a\u2067b', 'a\u2068b', 'a\u2069b', 'a\u200Eb', 'a\u200Fb', 'a\u061Cb'];
    const otherCf = ['a\u200Bb', '\uFEFFa', 'a\u2060b', 'a\u00ADb', 'a\u{E0041}b'];
    const rest = ['a\u0000b', 'a\nb', 'a\tb', '\u001b[31mred', 'a\u2028b', 'a\u2029b', 'a\uD800b', 'a\uDC00', '\uD800', 'a\u007Fb', 'a\u0085b'];
    for (const n of [...bidi, ...otherCf, ...rest]) {
      expect([n, displayNameProblem(n)]).toEqual([n, expect.stringContaining('name must not contain control or format characters')]);
    }
    expect(displayNameProblem('\u200D\u202E', 'hostname')).toBe('hostname must not contain control or format characters (U+202E at 1)');
  });

  it('refuses surrounding whitespace', () => {
    for (const n of [' a', 'a ', '\u00A0a', 'a\u3000']) expect([n, displayNameProblem(n, 'group')]).toEqual([n, 'group must not start or end with whitespace']);
  });
});
