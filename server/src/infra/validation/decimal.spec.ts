import { validate } from 'class-validator';
import { IsDecimal, isDecimal } from './decimal';

class Probe {
  @IsDecimal(3, { message: 'ms must be a number of milliseconds' })
  ms: unknown;
}

const problems = async (ms: unknown) => (await validate(Object.assign(new Probe(), { ms }))).flatMap((e) => Object.values(e.constraints ?? {}));

describe(IsDecimal.name, () => {
  it('takes finite numbers with at most the given decimal places', async () => {
    for (const v of [0, 1, -1, 1.5, 1.25, 1.125, 0.001, 2500, 1e21, -0, 1e-3, 5e-1]) expect([v, isDecimal(v, 3), await problems(v)]).toEqual([v, true, []]);
  });

  it('refuses more places, exponent-notation fractions, non-finite numbers and non-numbers, without throwing', async () => {
    // class-validator's IsNumber({ maxDecimalPlaces }) threw a TypeError on 1e-9 (a 500 at the API).
    const bad: unknown[] = [1e-9, 1.5e-7, -1e-7, 1.0001, 0.1 + 0.2, Number.MIN_VALUE, NaN, Infinity, -Infinity, '1', null, undefined, {}, [1], true, 10n];
    for (const v of bad) {
      expect(isDecimal(v, 3)).toBe(false);
      expect(await problems(v)).toEqual(['ms must be a number of milliseconds']);
    }
    expect(isDecimal(0.5, 0)).toBe(false);
    expect(isDecimal(7, 0)).toBe(true);
  });
});
