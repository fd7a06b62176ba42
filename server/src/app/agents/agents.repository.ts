import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AgentEntity } from './agent.entity';

@Injectable()
export class AgentsRepository {
  constructor(@InjectRepository(AgentEntity) private readonly repo: Repository<AgentEntity>) {}

  findAll(): Promise<AgentEntity[]> {
    return this.repo.find({ order: { id: 'ASC' } });
  }

  findLocal(): Promise<AgentEntity | null> {
    return this.repo.findOne({ where: { isLocal: true } });
  }

  save(agent: AgentEntity): Promise<AgentEntity> {
    return this.repo.save(agent);
  }

  create(fields: Omit<AgentEntity, 'id' | 'createdAt'>): Promise<AgentEntity> {
    return this.repo.save(this.repo.create(fields));
  }

  async touch(id: number, at: number): Promise<void> {
    await this.repo.update({ id }, { lastSeenAt: at });
  }
}
