import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, type Repository } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service';
import { ApiTokenEntity, type TokenScope } from './api-token.entity';

const PREFIX = 'mpt_';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** API tokens for scripts (seed 001's self-registration): random, shown once, stored hashed, one scope each. */
@Injectable()
export class ApiTokensService {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly repo: Repository<ApiTokenEntity>,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  list(): Promise<ApiTokenEntity[]> {
    return this.repo.find({ order: { id: 'ASC' } });
  }

  async create(name: string, scope: TokenScope, actor: Actor, source: string | null): Promise<{ entity: ApiTokenEntity; token: string }> {
    const token = PREFIX + randomBytes(32).toString('base64url');
    const entity = await this.repo.save(
      this.repo.create({ name, scope, tokenHash: sha256(token), createdBy: actor.id, createdAt: this.clock.now(), lastUsedAt: null, revokedAt: null }),
    );
    await this.audit.record({ actor, action: 'token.created', subject: `token:${name}`, detail: { id: entity.id, scope }, source });
    return { entity, token };
  }

  async revoke(id: number, actor: Actor, source: string | null): Promise<void> {
    const entity = await this.repo.findOne({ where: { id, revokedAt: IsNull() } });
    if (!entity) throw new NotFoundException(`no active token with id ${id}`);
    entity.revokedAt = this.clock.now();
    await this.repo.save(entity);
    await this.audit.record({ actor, action: 'token.revoked', subject: `token:${entity.name}`, detail: { id }, source });
  }

  /** The live token with this scope, or null (unknown, revoked, or another scope). */
  async verify(token: string, scope: TokenScope): Promise<ApiTokenEntity | null> {
    if (!token.startsWith(PREFIX) || token.length > 100) return null;
    const entity = await this.repo.findOne({ where: { tokenHash: sha256(token), revokedAt: IsNull() } });
    if (!entity || entity.scope !== scope) return null;
    await this.repo.update({ id: entity.id }, { lastUsedAt: this.clock.now() });
    return entity;
  }
}
