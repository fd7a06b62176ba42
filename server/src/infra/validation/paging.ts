import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { OptionalNotNull } from './optional';

/** `?before=<id>`: the next page of a list newest first (the last id of this page). */
export function PageBefore(what: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, nullable: false, description: `Only ${what} with a smaller id (the next page: the last id of this one)` }),
    OptionalNotNull(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(2 ** 31 - 1),
  );
}

/** `?limit=<n>`: how many at most, 1..max. */
export function PageLimit(max: number, byDefault = 100): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: max, default: byDefault, nullable: false }), OptionalNotNull(), Type(() => Number), IsInt(), Min(1), Max(max));
}
