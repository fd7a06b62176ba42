import { UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import type { PublicUrl } from '../../infra/net/public-url';
import type { AccessUser, TokenPrincipal } from './principals';

declare module 'express' {
  interface Request {
    /** The signed-in user (set by the AccessGuard for session routes). */
    currentUser?: AccessUser;
    /** The API token a script authenticated with, and its creator (set by the AccessGuard; then currentUser is unset). */
    apiToken?: TokenPrincipal;
  }
}

/**
 * Who did something, as the audit log records it: a user, a script's API token (id null, username
 * "token:<name> (by <creator>)"), or null for an anonymous request (a failed login, a reset link).
 */
export interface Actor {
  id: number | null;
  username: string;
}

/**
 * Who is behind a request (set by the AccessGuard), as an audit actor: the signed-in user, or for
 * a script the token by name and its creator ("token:rack-7 (by alice)"), so the audit log tells
 * a script's changes from a person's.
 */
export function actorOf(req: Request): Actor {
  if (req.apiToken) return { id: null, username: `token:${req.apiToken.token.name} (by ${req.apiToken.creator.username})` };
  const user = req.currentUser;
  if (!user) throw new UnauthorizedException('not signed in');
  return { id: user.id, username: user.username };
}

/** Base URL for links sent to users: MESHPING_PUBLIC_URL, or a Host this server trusts (see PublicUrl). */
export function publicBaseUrl(req: Request): string {
  const publicUrl = req.app.locals['publicUrl'] as PublicUrl;
  return publicUrl.baseUrl({ protocol: req.protocol, host: req.get('host'), localPort: req.socket.localPort });
}
