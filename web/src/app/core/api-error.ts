import { ApiError } from '@meshping/api-client';

/** `meta` for calls whose 401 is an answer, not an ended session (the session probe, a wrong password). */
export const EXPECTS_401 = { expects401: true } as const;

/** A sentence a user understands, from whatever an API call threw. */
export function apiErrorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return 'The server cannot be reached. Check your connection and try again.';
    const message = err.reasons;
    if (message) return message.endsWith('.') ? message : `${message}.`;
    if (err.status === 401) return 'Your session has ended. Log in again.';
    if (err.status === 403) return 'You are not allowed to do this.';
    return `The server answered ${err.status}.`;
  }
  return err instanceof Error ? err.message : String(err);
}
