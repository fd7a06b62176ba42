import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type EntityManager, type Repository } from 'typeorm';
import { TargetEntity } from './target.entity';

const VERSION_KEY = 'targets.version';

/** All SQL for targets and the target-list version (bumped in the same transaction as each change). */
@Injectable()
export class TargetsRepository {
  constructor(@InjectRepository(TargetEntity) private readonly repo: Repository<TargetEntity>) {}

  findLive(): Promise<TargetEntity[]> {
    return this.repo.find({ where: { deletedAt: IsNull() }, order: { id: 'ASC' } });
  }

  /** Ids of deleted targets (tombstones). */
  async findDeletedIds(): Promise<number[]> {
    const rows: { id: number }[] = await this.repo.query('SELECT id FROM targets WHERE deleted_at IS NOT NULL');
    return rows.map((r) => r.id);
  }

  findLiveByAddress(address: string, em: EntityManager = this.repo.manager): Promise<TargetEntity | null> {
    return em.getRepository(TargetEntity).createQueryBuilder('t').where('t.address = :address COLLATE NOCASE', { address }).andWhere('t.deleted_at IS NULL').getOne();
  }

  async version(): Promise<number> {
    const rows: { value: string }[] = await this.repo.query('SELECT value FROM settings WHERE key = ?', [VERSION_KEY]);
    return rows.length ? Number(rows[0].value) : 0;
  }

  /**
   * Runs a change and bumps the list version atomically; resolves with the new version.
   * SQLite serialises write transactions, so versions never repeat or interleave.
   */
  change<T>(work: (em: EntityManager) => Promise<T>): Promise<{ result: T; version: number }> {
    return this.repo.manager.transaction(async (em) => {
      const result = await work(em);
      await em.query("UPDATE settings SET value = CAST(value AS INTEGER) + 1 WHERE key = ?", [VERSION_KEY]);
      const [{ value }] = await em.query('SELECT value FROM settings WHERE key = ?', [VERSION_KEY]);
      return { result, version: Number(value) };
    });
  }

  async insert(em: EntityManager, fields: Pick<TargetEntity, 'address' | 'name' | 'group'> & { agentId?: number | null; latencyThresholdMs?: number | null; dormantAfterSeconds?: number | null }): Promise<TargetEntity> {
    return em.getRepository(TargetEntity).save(em.getRepository(TargetEntity).create({ agentId: null, latencyThresholdMs: null, ...fields, deletedAt: null }));
  }

  async update(em: EntityManager, target: TargetEntity): Promise<TargetEntity> {
    return em.getRepository(TargetEntity).save(target);
  }

  /** Live or deleted (a tombstone keeps its address and its history). */
  findById(id: number): Promise<TargetEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  findLiveById(id: number, em: EntityManager = this.repo.manager): Promise<TargetEntity | null> {
    return em.getRepository(TargetEntity).findOne({ where: { id, deletedAt: IsNull() } });
  }

  /** Live and deleted: zero only before the first start seeded the list. */
  findLiveByAgent(agentId: number): Promise<TargetEntity | null> {
    return this.repo.findOne({ where: { agentId, deletedAt: IsNull() } });
  }

  findLiveMadeFromAgents(): Promise<TargetEntity[]> {
    return this.repo.createQueryBuilder('t').where('t.agent_id IS NOT NULL').andWhere('t.deleted_at IS NULL').getMany();
  }

  countAll(): Promise<number> {
    return this.repo.count();
  }
}
