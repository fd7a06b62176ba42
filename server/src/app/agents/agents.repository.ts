import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { AgentEntity } from './agent.entity';

@Injectable()
export class AgentsRepository implements BeforeApplicationShutdown {
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

  /**
   * Records when agents were last seen. Calls within one event-loop turn share one UPDATE (when a
   * network cut closes 1,000 agent links at once, one statement instead of 1,000: those took the
   * event loop ~400 ms); each call resolves once its row is written.
   */
  touch(id: number, at: number): Promise<void> {
    // Shutting down: the links the server closes are written at once, before the database closes.
    if (this.shuttingDown) return this.repo.update({ id }, { lastSeenAt: at }).then(() => undefined);
    this.touched.set(id, Math.max(at, this.touched.get(id) ?? 0));
    this.touchWrite ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const rows = [...this.touched];
      this.touched.clear();
      this.touchWrite = null;
      const at = Math.max(...rows.map(([, t]) => t));
      for (let i = 0; i < rows.length; i += 500) {
        await this.repo.update({ id: In(rows.slice(i, i + 500).map(([rowId]) => rowId)) }, { lastSeenAt: at });
      }
    });
    return this.touchWrite;
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  private shuttingDown = false;
  private readonly touched = new Map<number, number>();
  private touchWrite: Promise<void> | null = null;
}
