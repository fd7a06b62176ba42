import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { TargetEntity } from './target.entity';

@Injectable()
export class TargetsRepository {
  constructor(@InjectRepository(TargetEntity) private readonly repo: Repository<TargetEntity>) {}

  findAll(): Promise<TargetEntity[]> {
    return this.repo.find({ order: { id: 'ASC' } });
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  async insertMany(addresses: readonly string[]): Promise<void> {
    await this.repo.manager.transaction(async (em) => {
      for (const address of addresses) await em.insert(TargetEntity, { address, name: null });
    });
  }
}
