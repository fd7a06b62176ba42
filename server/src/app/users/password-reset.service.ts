import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, MoreThan, type Repository } from 'typeorm';
import { MailerService } from '../../infra/mail/mailer.service';
import type { Actor } from '../audit/audit.service';
import { AuditService } from '../audit/audit.service';
import { ResetTokenEntity } from './reset-token.entity';
import { UsersService } from './users.service';

export const RESET_TTL_MS = 15 * 60_000;
/** The one answer for every unusable token: no hint whether it existed, was used or expired. */
const INVALID = 'This reset link is invalid, already used or expired. Ask an admin for a new one.';

export interface ResetLink {
  /** Present when the link was not mailed: the admin passes it on. */
  link: string | null;
  mailed: boolean;
  expiresAt: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** One-time password-reset links: 256 random bits, stored hashed, single use, 15 minutes. */
@Injectable()
export class PasswordResetService {
  constructor(
    @InjectRepository(ResetTokenEntity) private readonly tokens: Repository<ResetTokenEntity>,
    private readonly users: UsersService,
    private readonly mailer: MailerService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async issue(userId: number, baseUrl: string, actor: Actor, source: string | null): Promise<ResetLink> {
    const user = await this.users.get(userId);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.clock.now() + RESET_TTL_MS;
    // A new link replaces any earlier unused one.
    await this.tokens.delete({ userId: user.id, usedAt: IsNull() });
    await this.tokens.insert({ tokenHash: sha256(token), userId: user.id, expiresAt, usedAt: null, createdBy: actor.id });
    const link = `${baseUrl}/reset-password?token=${token}`;
    const mailed = this.mailer.enabled && !!user.email;
    if (mailed) {
      await this.mailer.send(
        user.email as string,
        'Meshping password reset',
        `A Meshping admin issued a password reset for "${user.username}".\n\nOpen this link within 15 minutes to choose a new password:\n${link}\n\nIt works once.`,
      );
    }
    await this.audit.record({ actor, action: 'user.reset-link-issued', subject: `user:${user.username}`, detail: { mailed }, source });
    return { link: mailed ? null : link, mailed, expiresAt };
  }

  async redeem(token: string, newPassword: string, source: string | null): Promise<void> {
    const now = this.clock.now();
    // Claim the token atomically: of two concurrent redemptions only one updates the row.
    const claimed = await this.tokens.update(
      { tokenHash: sha256(token), usedAt: IsNull(), expiresAt: MoreThan(now) },
      { usedAt: now },
    );
    if (!claimed.affected) throw new BadRequestException(INVALID);
    const row = await this.tokens.findOneByOrFail({ tokenHash: sha256(token) });
    const user = await this.users.findById(row.userId);
    if (!user) throw new BadRequestException(INVALID);
    await this.users.setPassword(user, newPassword, null, 'user.password-reset', source);
  }
}
