import { ForbiddenException, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CreateUserDto } from '../users/user.dto';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';

/**
 * First start: no default password. While there are no users, a one-time setup code is printed in
 * the server's log; whoever can read the log creates the first admin with it (web: /setup).
 */
@Injectable()
export class SetupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SetupService.name);
  private codeHash: Buffer | null = null;
  private running: Promise<UserEntity> | null = null;

  constructor(private readonly users: UsersService) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const code = randomBytes(18).toString('base64url');
    this.codeHash = createHash('sha256').update(code).digest();
    this.logger.warn({
      event: 'setup.required',
      msg: `No users yet. Open the web UI's /setup page and enter this one-time setup code to create the first admin: ${code}`,
    });
  }

  get required(): boolean {
    return this.codeHash !== null;
  }

  async complete(code: string, dto: CreateUserDto, source: string | null): Promise<UserEntity> {
    const given = createHash('sha256').update(code).digest();
    if (!this.codeHash || this.running || !timingSafeEqual(given, this.codeHash)) {
      throw new ForbiddenException(this.codeHash ? 'Wrong setup code.' : 'Setup is already done: log in instead.');
    }
    this.running = this.users.create({ ...dto, role: 'admin' }, null, source, 'setup.first-admin');
    try {
      const admin = await this.running;
      this.codeHash = null;
      return admin;
    } finally {
      this.running = null;
    }
  }
}
