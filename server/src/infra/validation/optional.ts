import { applyDecorators } from '@nestjs/common';
import { IsDefined, ValidateIf } from 'class-validator';

/**
 * An optional field that may be left out but never sent as null. class-validator's @IsOptional()
 * skips every check for null as well as for undefined, so `{"retentionHours": null}` used to reach
 * the services (stored as the text "null", or a 500 from a NOT NULL column). Use @IsOptional()
 * only where null means something (e.g. "no name", "use the global threshold").
 */
export function OptionalNotNull(): PropertyDecorator {
  return applyDecorators(ValidateIf((_o, v) => v !== undefined), IsDefined({ message: '$property must not be null' }));
}
