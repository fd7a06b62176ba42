import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { UserDirectory } from '../access/principals';
import type { Actor } from '../access/request-context';
import { AuditService } from '../audit/audit.service';
import { hashPassword, verifyPassword } from './password';
import type { CreateUserDto, UpdateUserDto } from './user.dto';
import type { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

/** Users and their passwords. Every change is audited; every change that must end sessions bumps the epoch. */
@Injectable()
export class UsersService implements UserDirectory {
  /** Emits a user id whose sessions just ended (password changed or reset, disabled, deleted). */
  readonly sessionsRevoked$ = new Subject<number>();

  constructor(
    private readonly repository: UsersRepository,
    private readonly audit: AuditService,
  ) {}

  count(): Promise<number> {
    return this.repository.count();
  }

  list(): Promise<UserEntity[]> {
    return this.repository.findAll();
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.repository.findById(id);
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repository.findByUsername(username);
  }

  async get(id: number): Promise<UserEntity> {
    const user = await this.repository.findById(id);
    if (!user) throw new NotFoundException(`no user with id ${id}`);
    return user;
  }

  async create(dto: CreateUserDto, actor: Actor | null, source: string | null, action = 'user.created'): Promise<UserEntity> {
    if (await this.repository.findByUsername(dto.username)) throw new ConflictException(`username "${dto.username}" is already taken`);
    const user = await this.repository.insert({
      username: dto.username,
      email: dto.email ?? null,
      role: dto.role,
      passwordHash: await hashPassword(dto.password),
    });
    await this.audit.record({ actor: actor ?? user, action, subject: `user:${user.username}`, detail: { role: user.role }, source });
    return user;
  }

  async update(id: number, dto: UpdateUserDto, actor: Actor, source: string | null): Promise<UserEntity> {
    const user = await this.get(id);
    const losesAdmin = (dto.role !== undefined && dto.role !== 'admin') || dto.disabled === true;
    if (user.role === 'admin' && !user.disabled && losesAdmin) await this.keepOneAdmin();
    const changes: Record<string, unknown> = {};
    if (dto.role !== undefined && dto.role !== user.role) changes['role'] = dto.role;
    if (dto.disabled !== undefined && dto.disabled !== user.disabled) changes['disabled'] = dto.disabled;
    if (dto.email !== undefined && dto.email !== user.email) changes['email'] = dto.email;
    Object.assign(user, changes);
    const revoke = changes['disabled'] === true || changes['role'] !== undefined;
    if (revoke) user.sessionEpoch += 1;
    const saved = await this.repository.save(user);
    if (revoke) this.sessionsRevoked$.next(user.id);
    await this.audit.record({ actor, action: 'user.updated', subject: `user:${user.username}`, detail: changes, source });
    return saved;
  }

  async delete(id: number, actor: Actor, source: string | null): Promise<void> {
    const user = await this.get(id);
    if (user.id === actor.id) throw new ConflictException('you cannot delete your own account');
    if (user.role === 'admin' && !user.disabled) await this.keepOneAdmin();
    await this.repository.delete(id);
    this.sessionsRevoked$.next(user.id);
    await this.audit.record({ actor, action: 'user.deleted', subject: `user:${user.username}`, source });
  }

  /** Sets a password and ends every session of the user (CVE-2023-44400 was the lack of this). */
  async setPassword(user: UserEntity, password: string, actor: Actor | null, action: string, source: string | null): Promise<UserEntity> {
    user.passwordHash = await hashPassword(password);
    user.sessionEpoch += 1;
    const saved = await this.repository.save(user);
    this.sessionsRevoked$.next(user.id);
    await this.audit.record({ actor: actor ?? user, action, subject: `user:${user.username}`, source });
    return saved;
  }

  verifyPassword(user: UserEntity, password: string): Promise<boolean> {
    return verifyPassword(password, user.passwordHash);
  }


  private async keepOneAdmin(): Promise<void> {
    if ((await this.repository.countActiveAdmins()) <= 1) {
      throw new ConflictException('this is the last active admin: make another user admin first');
    }
  }
}
