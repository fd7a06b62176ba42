import type { TokenPrincipal } from '../tokens/api-tokens.service';
import type { UserEntity } from '../users/user.entity';

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

declare module 'express' {
  interface Request {
    currentUser?: UserEntity;
    /** The API token a script authenticated with, and its creator (set by the AccessGuard; then currentUser is unset). */
    apiToken?: TokenPrincipal;
  }
}

export const CSRF_COOKIE = 'XSRF-TOKEN';
export const CSRF_HEADER = 'x-xsrf-token';
export const DEVICE_COOKIE = 'meshping-device';

export function sessionCookieName(secure: boolean): string {
  // __Host- cookies must be Secure, Path=/ and without Domain: the browser then refuses any
  // attempt by a sibling subdomain or plain-HTTP page to set or overwrite it.
  return secure ? '__Host-meshping' : 'meshping';
}
