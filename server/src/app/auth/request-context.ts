import { UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '../audit/audit.service';

/** The signed-in user behind a request (set by the AccessGuard), as an audit actor. */
export function actorOf(req: Request): Actor {
  const user = req.currentUser;
  if (!user) throw new UnauthorizedException('not signed in');
  return { id: user.id, username: user.username };
}

/** Base URL for links sent to users: MESHPING_PUBLIC_URL, or the URL this request came in on. */
export function publicBaseUrl(req: Request): string {
  const configured = req.app.locals['publicUrl'] as string | undefined;
  return (configured ?? `${req.protocol}://${req.get('host')}`).replace(/\/+$/, '');
}
