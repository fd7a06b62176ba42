import { Injectable } from '@nestjs/common';
import { parse as parseCookies } from 'cookie';
import { unsign } from 'cookie-signature';
import type { IncomingMessage } from 'node:http';
import { OriginPolicy } from './origin-policy';
import type { AccessUser } from './principals';
import { SessionPolicy } from './session-policy';
import { SessionStore } from './session.store';
import { sessionCookieName } from './session.types';

/** The user each accepted upgrade request belongs to, for the gateway's connection handler. */
export const handshakeUsers = new WeakMap<IncomingMessage, { user: AccessUser; sid: string }>();

export type HandshakeResult = { ok: true; user: AccessUser; sid: string } | { ok: false; status: 401 | 403; reason: string };

/**
 * Authenticates a browser WebSocket at the HTTP upgrade, before any frame: the Origin must be this
 * server (or an allowed origin, OriginPolicy) and the session cookie must belong to a live session
 * (SessionPolicy, the same rule as for HTTP requests).
 */
@Injectable()
export class SocketAuth {
  private secret = '';

  constructor(
    private readonly store: SessionStore,
    private readonly sessions: SessionPolicy,
    private readonly origins: OriginPolicy,
  ) {}

  /** Set by bootstrap: the same secret express-session signs its cookie with. */
  useSecret(secret: string): void {
    this.secret = secret;
  }

  /** Whether a socket's session is still good (not ended, within its lifetime, same password epoch). */
  async stillValid(sid: string): Promise<boolean> {
    return (await this.sessions.check(await this.store.loadSession(sid))).live;
  }

  async verify(req: IncomingMessage, secure: boolean): Promise<HandshakeResult> {
    if (!this.origins.allowsUpgrade(req.headers.origin, `${secure ? 'https' : 'http'}://${req.headers.host}`)) {
      return { ok: false, status: 403, reason: 'origin not allowed' };
    }
    const raw = parseCookies(req.headers.cookie ?? '')[sessionCookieName(secure)];
    const sid = raw?.startsWith('s:') ? unsign(raw.slice(2), this.secret) : false;
    if (!sid) return { ok: false, status: 401, reason: 'no session' };
    const verdict = await this.sessions.check(await this.store.loadSession(sid));
    if (!verdict.live) return { ok: false, status: 401, reason: verdict.reason };
    return { ok: true, user: verdict.user, sid };
  }
}
