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

  findById(id: number): Promise<AgentEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  findLocal(): Promise<AgentEntity | null> {
    return this.repo.findOne({ where: { isLocal: true } });
  }

  findByPublicKey(publicKey: string): Promise<AgentEntity | null> {
    return this.repo.findOne({ where: { publicKey } });
  }

  save(agent: AgentEntity): Promise<AgentEntity> {
    return this.repo.save(agent);
  }

  create(fields: Omit<AgentEntity, 'id' | 'createdAt'>): Promise<AgentEntity> {
    return this.repo.save(this.repo.create(fields));
  }

  async delete(id: number): Promise<void> {
    await this.repo.delete({ id });
  }

  async touch(id: number, at: number): Promise<void> {
    await this.repo.update({ id }, { lastSeenAt: at });
  }
}
