import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { Store, type SessionData } from 'express-session';
import { Subject } from 'rxjs';
import { LessThan, type Repository } from 'typeorm';
import { SessionEntity } from './session.entity';

type Callback<T = void> = (err?: unknown, value?: T) => void;

/**
 * Server-side sessions in the database (express-session store over TypeORM), so a session survives
 * a restart, can be listed per user and ended per user (password change, reset, disable).
 */
@Injectable()
export class SessionStore extends Store {
  /** Session ids that just ended (logout, expiry, a new id at login): their live sockets close. */
  readonly destroyed$ = new Subject<string>();

  constructor(
    @InjectRepository(SessionEntity) private readonly repo: Repository<SessionEntity>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    super();
  }

  override get(sid: string, cb: Callback<SessionData | null>): void {
    this.repo
      .findOneBy({ sid })
      .then((row) => cb(null, row && row.expiresAt > this.clock.now() ? (JSON.parse(row.data) as SessionData) : null))
      .catch(cb);
  }

  override set(sid: string, session: SessionData, cb?: Callback): void {
    const row = { sid, userId: session.userId ?? null, expiresAt: this.expiry(session), data: JSON.stringify(session) };
    this.repo.upsert(row, ['sid']).then(() => cb?.(), (err) => cb?.(err));
  }

  override touch(sid: string, session: SessionData, cb?: Callback): void {
    this.repo.update({ sid }, { expiresAt: this.expiry(session) }).then(() => cb?.(), (err) => cb?.(err));
  }

  override destroy(sid: string, cb?: Callback): void {
    this.destroyed$.next(sid);
    this.repo.delete({ sid }).then(() => cb?.(), (err) => cb?.(err));
  }

  /** Promise form of get(), for the WebSocket handshake. */
  loadSession(sid: string): Promise<SessionData | null> {
    return new Promise((resolve, reject) => this.get(sid, (err, s) => (err ? reject(err) : resolve(s ?? null))));
  }

  async destroyForUser(userId: number): Promise<void> {
    await this.repo.delete({ userId });
  }

  async purgeExpired(): Promise<number> {
    return (await this.repo.delete({ expiresAt: LessThan(this.clock.now()) })).affected ?? 0;
  }

  private expiry(session: SessionData): number {
    const expires = session.cookie?.expires;
    return expires ? new Date(expires).getTime() : this.clock.now() + 24 * 3_600_000;
  }
}
