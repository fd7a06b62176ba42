import { UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import type { PublicUrl } from '../../infra/net/public-url';
import type { Actor } from '../audit/audit.service';

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
