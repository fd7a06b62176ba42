import { displayNameProblem } from '@meshping/protocol';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A name shown to people: no control or format characters, no surrounding whitespace (the rule in libs/protocol). */
export function IsDisplayName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDisplayName',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && displayNameProblem(value) === null,
        defaultMessage: (args) =>
          typeof args?.value === 'string' ? (displayNameProblem(args.value, args.property) ?? '') : `${args?.property} must be a string`,
      },
    },
    options,
  );
}
