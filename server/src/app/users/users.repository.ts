import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { UserEntity } from './user.entity';

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly repo: Repository<UserEntity>) {}

  count(): Promise<number> {
    return this.repo.count();
  }

  countActiveAdmins(): Promise<number> {
    return this.repo.count({ where: { role: 'admin', disabled: false } });
  }

  findAll(): Promise<UserEntity[]> {
    return this.repo.find({ order: { id: 'ASC' } });
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** Usernames compare case-insensitively (the column is COLLATE NOCASE). */
  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repo.findOne({ where: { username } });
  }

  insert(fields: Pick<UserEntity, 'username' | 'email' | 'passwordHash' | 'role'>): Promise<UserEntity> {
    return this.repo.save(this.repo.create({ ...fields, disabled: false, sessionEpoch: 0 }));
  }

  save(user: UserEntity): Promise<UserEntity> {
    return this.repo.save(user);
  }

  async delete(id: number): Promise<void> {
    await this.repo.delete({ id });
  }
}
