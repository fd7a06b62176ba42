import { type ArgumentsHost, Catch, HttpException, HttpStatus } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';

/** A 429 from the login throttle or a full password-check lane, with how long to wait. */
export class TooManyAttemptsException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** Answers it as Nest answers any HttpException, plus the Retry-After header (AuthController's routes). */
@Catch(TooManyAttemptsException)
export class RetryAfterFilter extends BaseExceptionFilter {
  override catch(exception: TooManyAttemptsException, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(exception.retryAfterSeconds));
    super.catch(exception, host);
  }
}
