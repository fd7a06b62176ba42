import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { createHash, randomBytes } from 'node:crypto';
import { MailerService } from '../../infra/mail/mailer.service';
import type { Actor } from '../access/request-context';
import { AuditService } from '../audit/audit.service';
import { ResetTokensRepository } from './reset-tokens.repository';
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
    private readonly tokens: ResetTokensRepository,
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
    await this.tokens.replaceUnused({ tokenHash: sha256(token), userId: user.id, expiresAt, createdBy: actor.id });
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
    const userId = await this.tokens.claim(sha256(token), this.clock.now());
    if (userId === null) throw new BadRequestException(INVALID);
    const user = await this.users.findById(userId);
    if (!user) throw new BadRequestException(INVALID);
    await this.users.setPassword(user, newPassword, null, 'user.password-reset', source);
  }
}
