import { HttpErrorResponse } from '@angular/common/http';

/** A sentence a user understands, from whatever an API call threw. */
export function apiErrorMessage(err: unknown): string {
  if (err instanceof HttpErrorResponse) {
    if (err.status === 0) return 'The server cannot be reached. Check your connection and try again.';
    const body = err.error as { message?: string | string[] } | null;
    const message = Array.isArray(body?.message) ? body.message.join('; ') : body?.message;
    if (message) return message.endsWith('.') ? message : `${message}.`;
    if (err.status === 401) return 'Your session has ended. Log in again.';
    if (err.status === 403) return 'You are not allowed to do this.';
    return `The server answered ${err.status} ${err.statusText}.`;
  }
  return err instanceof Error ? err.message : String(err);
}
