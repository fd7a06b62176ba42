import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { SessionData } from 'express-session';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { USER_DIRECTORY, type AccessUser, type UserDirectory } from './principals';

export type SessionVerdict = { live: true; user: AccessUser } | { live: false; reason: 'session expired' | 'session ended' };

/**
 * When a stored session still stands for its user: the one rule for HTTP requests (AccessGuard)
 * and browser WebSockets (SocketAuth, at the handshake and at every liveness check).
 * - expired: no signed-in user, or older than MESHPING_SESSION_MAX_MINUTES since login (absolute,
 *   however active it was);
 * - ended: the account is gone or disabled, or its session epoch moved on since login (password
 *   changed or reset, role changed).
 */
@Injectable()
export class SessionPolicy {
  private readonly maxAgeMs: number;

  constructor(
    @Inject(USER_DIRECTORY) private readonly users: UserDirectory,
    @Inject(SERVER_CONFIG) config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.maxAgeMs = config.MESHPING_SESSION_MAX_MINUTES * 60_000;
  }

  async check(session: Partial<SessionData> | null | undefined): Promise<SessionVerdict> {
    if (!session?.userId || this.clock.now() - (session.createdAt ?? 0) > this.maxAgeMs) return { live: false, reason: 'session expired' };
    const user = await this.users.findById(session.userId);
    if (!user || user.disabled || user.sessionEpoch !== session.epoch) return { live: false, reason: 'session ended' };
    return { live: true, user };
  }

  /** The session's user while the session is live, else null. */
  async liveUser(session: Partial<SessionData> | null | undefined): Promise<AccessUser | null> {
    const verdict = await this.check(session);
    return verdict.live ? verdict.user : null;
  }
}
