declare module 'express-session' {
  interface SessionData {
    userId: number;
    /** The user's session epoch at login; a different one means the password changed since. */
    epoch: number;
    /** Epoch ms of login, for the absolute expiry. */
    createdAt: number;
    /** The synchronizer token mutating requests must echo in X-XSRF-TOKEN. */
    csrf: string;
  }
}

export const CSRF_COOKIE = 'XSRF-TOKEN';
export const CSRF_HEADER = 'x-xsrf-token';

export function sessionCookieName(secure: boolean): string {
  // __Host- cookies must be Secure, Path=/ and without Domain: the browser then refuses any
  // attempt by a sibling subdomain or plain-HTTP page to set or overwrite it.
  return secure ? '__Host-meshping' : 'meshping';
}
