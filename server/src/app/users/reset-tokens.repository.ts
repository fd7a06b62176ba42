import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, type Repository } from 'typeorm';
import { ResetTokenEntity } from './reset-token.entity';

/** The reset_tokens table: one-time password-reset tokens, by SHA-256 of the token. */
@Injectable()
export class ResetTokensRepository {
  constructor(@InjectRepository(ResetTokenEntity) private readonly repo: Repository<ResetTokenEntity>) {}

  /** Stores a new token for the user, replacing any earlier unused one. */
  async replaceUnused(row: { tokenHash: string; userId: number; expiresAt: number; createdBy: number | null }): Promise<void> {
    await this.repo.manager.transaction(async (em) => {
      await em.delete(ResetTokenEntity, { userId: row.userId, usedAt: IsNull() });
      await em.insert(ResetTokenEntity, { ...row, usedAt: null });
    });
  }

  /**
   * Marks the token used if it is unused and not expired, atomically (of two concurrent
   * redemptions one wins); the user it belongs to, or null.
   */
  async claim(tokenHash: string, now: number): Promise<number | null> {
    const claimed = await this.repo.update({ tokenHash, usedAt: IsNull(), expiresAt: MoreThan(now) }, { usedAt: now });
    if (!claimed.affected) return null;
    return (await this.repo.findOneByOrFail({ tokenHash })).userId;
  }
}
