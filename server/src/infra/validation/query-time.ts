import { applyDecorators, BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { OptionalNotNull } from './optional';

/** No time in a query may be before this (2000-01-01T00:00:00Z): nothing was measured earlier. */
export const EARLIEST_QUERY_MS = Date.UTC(2000, 0, 1);
/** The latest time JavaScript can represent; the server also refuses times more than QUERY_SKEW_MS ahead of its clock. */
export const LATEST_QUERY_MS = 8_640_000_000_000_000;
/** How far ahead of the server's clock a client's `to` / `since` may be (its clock may run fast). */
export const QUERY_SKEW_MS = 5 * 60_000;

const HOUR_MS = 3_600_000;

export const TIME_BOUNDS = `Epoch ms, an integer from ${EARLIEST_QUERY_MS} (2000-01-01) to the server's clock + ${QUERY_SKEW_MS / 60_000} min`;

/** An epoch-ms query parameter: an integer, not before 2000, not beyond what a Date can hold (400 naming the field). */
export function QueryTime(): PropertyDecorator {
  return applyDecorators(
    OptionalNotNull(),
    Type(() => Number),
    IsInt({ message: '$property must be an integer (epoch ms)' }),
    Min(EARLIEST_QUERY_MS, { message: `$property must not be before 2000-01-01 (${EARLIEST_QUERY_MS} ms)` }),
    Max(LATEST_QUERY_MS, { message: `$property must not be after ${LATEST_QUERY_MS} ms` }),
  );
}

/**
 * A window [from, to) from a query whose times the DTO bounded one by one: these rules need the
 * clock and each other. Defaults: `to` now, `from` `defaultSpanMs` before `to`. Messages name the
 * field, like the DTO's (400).
 */
export function resolveWindow(query: { from?: number; to?: number }, now: number, maxSpanMs: number, defaultSpanMs = HOUR_MS): { from: number; to: number } {
  const to = query.to ?? now;
  const from = query.from ?? to - defaultSpanMs;
  notAhead('to', to, now);
  if (from >= to) throw new BadRequestException(['from must be before to']);
  if (to - from > maxSpanMs) throw new BadRequestException([`from must be at most ${maxSpanMs / HOUR_MS} hours before to`]);
  return { from, to };
}

/** 400 naming `field` when a time is further ahead of the server's clock than a client's clock may run fast. */
export function notAhead(field: string, at: number, now: number): void {
  if (at > now + QUERY_SKEW_MS) {
    throw new BadRequestException([`${field} must not be more than ${QUERY_SKEW_MS / 60_000} minutes ahead of the server's clock (now ${now})`]);
  }
}
