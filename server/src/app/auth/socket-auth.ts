import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { parse as parseCookies } from 'cookie';
import { unsign } from 'cookie-signature';
import type { IncomingMessage } from 'node:http';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { SessionStore } from './session.store';
import { sessionCookieName } from './session.types';

/** The user each accepted upgrade request belongs to, for the gateway's connection handler. */
export const handshakeUsers = new WeakMap<IncomingMessage, { user: UserEntity; sid: string }>();

export type HandshakeResult = { ok: true; user: UserEntity; sid: string } | { ok: false; status: 401 | 403; reason: string };

/**
 * Authenticates a browser WebSocket at the HTTP upgrade, before any frame: the Origin must be this
 * server (or an allowed origin) and the session cookie must belong to a live session.
 */
@Injectable()
export class SocketAuth {
  private secret = '';
  private readonly allowedOrigins: Set<string>;
  private readonly maxAgeMs: number;

  constructor(
    private readonly store: SessionStore,
    private readonly users: UsersService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.allowedOrigins = new Set(config.MESHPING_CORS_ORIGINS.map((o) => new URL(o).origin));
    this.maxAgeMs = config.MESHPING_SESSION_MAX_MINUTES * 60_000;
  }

  /** Set by bootstrap: the same secret express-session signs its cookie with. */
  useSecret(secret: string): void {
    this.secret = secret;
  }

  /** Whether a socket's session is still good (not ended, within its lifetime, same password epoch). */
  async stillValid(sid: string): Promise<boolean> {
    const session = await this.store.loadSession(sid);
    if (!session?.userId || this.clock.now() - (session.createdAt ?? 0) > this.maxAgeMs) return false;
    const user = await this.users.findById(session.userId);
    return !!user && !user.disabled && user.sessionEpoch === session.epoch;
  }

  async verify(req: IncomingMessage, secure: boolean): Promise<HandshakeResult> {
    const origin = req.headers.origin;
    const own = `${secure ? 'https' : 'http'}://${req.headers.host}`;
    if (!origin || (origin !== own && !this.allowedOrigins.has(origin))) {
      return { ok: false, status: 403, reason: 'origin not allowed' };
    }
    const raw = parseCookies(req.headers.cookie ?? '')[sessionCookieName(secure)];
    const sid = raw?.startsWith('s:') ? unsign(raw.slice(2), this.secret) : false;
    if (!sid) return { ok: false, status: 401, reason: 'no session' };
    const session = await this.store.loadSession(sid);
    if (!session?.userId || this.clock.now() - (session.createdAt ?? 0) > this.maxAgeMs) {
      return { ok: false, status: 401, reason: 'session expired' };
    }
    const user = await this.users.findById(session.userId);
    if (!user || user.disabled || user.sessionEpoch !== session.epoch) return { ok: false, status: 401, reason: 'session ended' };
    return { ok: true, user, sid };
  }
}
