import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { UsersService } from '../users/users.service';
import { SessionStore } from '../access/session.store';

/** Ends stored sessions when their user's sessions are revoked, and sweeps expired ones. */
@Injectable()
export class SessionJanitor implements OnModuleInit {
  constructor(
    private readonly store: SessionStore,
    private readonly users: UsersService,
  ) {}

  onModuleInit(): void {
    this.users.sessionsRevoked$.subscribe((userId) => void this.store.destroyForUser(userId));
  }

  @Interval(10 * 60_000)
  async sweep(): Promise<void> {
    await this.store.purgeExpired();
  }
}
