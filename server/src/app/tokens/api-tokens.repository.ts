import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThanOrEqual, Or, type Repository } from 'typeorm';
import { ApiTokenEntity } from './api-token.entity';

@Injectable()
export class ApiTokensRepository {
  constructor(@InjectRepository(ApiTokenEntity) private readonly repo: Repository<ApiTokenEntity>) {}

  findAll(): Promise<ApiTokenEntity[]> {
    return this.repo.find({ order: { id: 'ASC' } });
  }

  findByHash(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.repo.findOne({ where: { tokenHash } });
  }

  findUnrevoked(id: number): Promise<ApiTokenEntity | null> {
    return this.repo.findOne({ where: { id, revokedAt: IsNull() } });
  }

  insert(fields: Pick<ApiTokenEntity, 'name' | 'tokenHash' | 'scopes' | 'createdBy' | 'createdAt' | 'expiresAt'>): Promise<ApiTokenEntity> {
    return this.repo.save(this.repo.create({ ...fields, lastUsedAt: null, revokedAt: null }));
  }

  async revoke(id: number, at: number): Promise<void> {
    await this.repo.update({ id, revokedAt: IsNull() }, { revokedAt: at });
  }

  /** Sets last_used_at unless another request already did since `staleBefore` (one write per interval). */
  async touch(id: number, at: number, staleBefore: number): Promise<void> {
    await this.repo.update({ id, lastUsedAt: Or(IsNull(), LessThanOrEqual(staleBefore)) }, { lastUsedAt: at });
  }
}
