import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService, type Actor } from '../audit/audit.service';
import type { TokenScope } from '../auth/token-scopes';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { ApiTokenEntity } from './api-token.entity';
import type { TokenDto, TokenState } from './api-token.dto';
import { ApiTokensRepository } from './api-tokens.repository';

const PREFIX = 'mpt_';
const DAY_MS = 86_400_000;
/** last_used_at is written at most this often per token, not once per request. */
export const TOUCH_INTERVAL_MS = 60_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A token that authenticated, and the account it acts for. */
export interface TokenPrincipal {
  token: ApiTokenEntity;
  creator: UserEntity;
}

export type TokenCheck = { ok: true; principal: TokenPrincipal } | { ok: false; reason: string };

type Creator = Pick<UserEntity, 'username' | 'disabled'>;

function stateOf(t: ApiTokenEntity, creator: Creator | null, now: number): TokenState {
  if (t.revokedAt !== null) return 'revoked';
  if (now >= t.expiresAt) return 'expired';
  return creator && !creator.disabled ? 'active' : 'creator-inactive';
}

const toView = (t: ApiTokenEntity, creator: Creator | null, now: number): TokenDto => ({
  id: t.id,
  name: t.name,
  scopes: t.scopes,
  createdBy: creator?.username ?? null,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
  state: stateOf(t, creator, now),
});

/**
 * API tokens for scripts: random, shown once, stored as SHA-256 only, with scopes and an expiry.
 * A token acts for its creator: it works only while that account exists and is enabled (the
 * AccessGuard also checks the creator's role against each route).
 */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly repository: ApiTokensRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(): Promise<TokenDto[]> {
    const [tokens, users] = await Promise.all([this.repository.findAll(), this.users.list()]);
    const byId = new Map(users.map((u) => [u.id, u]));
    const now = this.clock.now();
    return tokens.map((t) => toView(t, (t.createdBy !== null && byId.get(t.createdBy)) || null, now));
  }

  /** The signed-in admin (`actor`) creates it; the token then acts for that account. */
  async create(input: { name: string; scopes: TokenScope[]; expiresInDays: number }, actor: Actor, source: string | null): Promise<TokenDto & { token: string }> {
    if (actor.id === null) throw new Error('a token is created by a signed-in user');
    const token = PREFIX + randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const entity = await this.repository.insert({
      name: input.name,
      scopes: input.scopes,
      tokenHash: sha256(token),
      createdBy: actor.id,
      createdAt: now,
      expiresAt: now + input.expiresInDays * DAY_MS,
    });
    await this.audit.record({
      actor,
      action: 'token.created',
      subject: `token:${input.name}`,
      detail: { id: entity.id, scopes: input.scopes, expiresAt: entity.expiresAt },
      source,
    });
    return { ...toView(entity, { username: actor.username, disabled: false }, now), token };
  }

  async revoke(id: number, actor: Actor, source: string | null): Promise<void> {
    const entity = await this.repository.findUnrevoked(id);
    if (!entity) throw new NotFoundException(`no active token with id ${id}`);
    await this.repository.revoke(id, this.clock.now());
    await this.audit.record({ actor, action: 'token.revoked', subject: `token:${entity.name}`, detail: { id }, source });
  }

  /** Who a bearer token acts for, or why it does not work (the reason goes into the 401). */
  async authenticate(token: string): Promise<TokenCheck> {
    const entity = token.startsWith(PREFIX) && token.length <= 100 ? await this.repository.findByHash(sha256(token)) : null;
    if (!entity) return { ok: false, reason: 'Unknown API token.' };
    if (entity.revokedAt !== null) return { ok: false, reason: 'This API token was revoked.' };
    const now = this.clock.now();
    if (now >= entity.expiresAt) return { ok: false, reason: `This API token expired at ${new Date(entity.expiresAt).toISOString()}.` };
    const creator = entity.createdBy === null ? null : await this.users.findById(entity.createdBy);
    if (!creator || creator.disabled) return { ok: false, reason: "This API token's creator account is disabled or deleted, so the token no longer works." };
    return { ok: true, principal: { token: entity, creator } };
  }

  /** Records that the token was used, at most once per TOUCH_INTERVAL_MS. */
  async touch(token: ApiTokenEntity): Promise<void> {
    const now = this.clock.now();
    if (token.lastUsedAt !== null && now - token.lastUsedAt < TOUCH_INTERVAL_MS) return;
    await this.repository.touch(token.id, now, now - TOUCH_INTERVAL_MS);
  }
}
