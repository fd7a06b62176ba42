import { createParamDecorator, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
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

/** Who is calling a route that the AccessGuard let through, in the plain values services take. */
export interface Caller {
  /** The signed-in user; null when a script calls with an API token. */
  user: AccessUser | null;
  /** The API token and its creator; null for a session. */
  token: TokenPrincipal | null;
  /**
   * For the audit log: the user, or for a script the token by name and its creator
   * ("token:rack-7 (by alice)"), so the log tells a script's changes from a person's.
   */
  actor: Actor;
  /** The client's address (Express's req.ip: behind MESHPING_TRUST_PROXY, the forwarded one); null if unknown. */
  source: string | null;
}

export function sourceOf(req: Request): string | null {
  return req.ip ?? null;
}

/** The caller of a request the AccessGuard admitted as a user or a token; 401 for anyone else. */
export function callerOf(req: Request): Caller {
  const source = sourceOf(req);
  if (req.apiToken) {
    const { token, creator } = req.apiToken;
    return { user: null, token: req.apiToken, actor: { id: null, username: `token:${token.name} (by ${creator.username})` }, source };
  }
  const user = req.currentUser;
  if (!user) throw new UnauthorizedException('not signed in');
  return { user, token: null, actor: { id: user.id, username: user.username }, source };
}

/**
 * `@Caller() caller: Caller` on a route for signed-in users or tokens: who is calling and from
 * where, so controllers hand services plain values and no service needs the Express request.
 */
export const Caller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => callerOf(ctx.switchToHttp().getRequest<Request>()));

/** `@SourceAddress() source: string | null` on a public route (nobody signed in yet): the client's address. */
export const SourceAddress = createParamDecorator((_data: unknown, ctx: ExecutionContext): string | null => sourceOf(ctx.switchToHttp().getRequest<Request>()));
