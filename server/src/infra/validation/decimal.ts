import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * A finite number with at most `places` decimal places. Replaces class-validator's
 * IsNumber({ maxDecimalPlaces }), which reads the decimals from String(value) and threw a TypeError
 * (500) on numbers JavaScript prints in exponent notation, such as 1e-9. Here the number is rounded
 * to `places` with toFixed (defined for every finite number and these places) and must come back
 * unchanged: 1.25 and 1e21 pass, 1e-9 and 0.1 + 0.2 do not. Cannot throw.
 */
export function isDecimal(value: unknown, places: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(places)) === value;
}

export function IsDecimal(places: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDecimal',
      constraints: [places],
      validator: {
        validate: (value: unknown) => isDecimal(value, places),
        defaultMessage: (args) => `${args?.property} must be a finite number with at most ${places} decimal places`,
      },
    },
    options,
  );
}
