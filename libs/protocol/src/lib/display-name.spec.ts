import { displayNameProblem } from './display-name';

describe('displayNameProblem', () => {
  it('accepts names in any script, with inner spaces and symbols', () => {
    for (const n of ['core router', 'Zürich-01', 'مسیریاب', '東京 DC', 'rack 7 / slot 2', 'a']) expect([n, displayNameProblem(n)]).toEqual([n, null]);
  });

  it('refuses controls, bidi and other format characters, separators and lone surrogates, naming the field and the character', () => {
    expect(displayNameProblem('evil\u202Egnp.exe', 'hostname')).toBe('hostname must not contain control or format characters (U+202E at 4)');
    for (const n of ['a\u0000b', 'a\nb', 'a\tb', '\u001b[31mred', 'a\u200Bb', 'a\u2066b', '\uFEFFa', 'a\u2028b', 'a\uD800b', 'a\u007Fb', 'a\u0085b']) {
      expect([n, displayNameProblem(n)]).toEqual([n, expect.stringContaining('name must not contain control or format characters')]);
    }
  });

  it('refuses surrounding whitespace', () => {
    for (const n of [' a', 'a ', '\u00A0a', 'a\u3000']) expect([n, displayNameProblem(n, 'group')]).toEqual([n, 'group must not start or end with whitespace']);
  });
});
