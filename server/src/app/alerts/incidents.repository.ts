import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type FindOptionsWhere, type Repository } from 'typeorm';
import type { CauseKind } from './engine/localise';
import { IncidentEntity, type IncidentState } from './incident.entity';

export type NewIncident = Omit<IncidentEntity, 'id'>;

export interface IncidentFilter {
  state?: IncidentState;
  kind?: CauseKind;
  /** Only incidents with an id below this (paging, newest first). */
  before?: number;
  limit: number;
}

@Injectable()
export class IncidentsRepository {
  constructor(@InjectRepository(IncidentEntity) private readonly repo: Repository<IncidentEntity>) {}

  findOpen(): Promise<IncidentEntity[]> {
    return this.repo.find({ where: { state: 'open' }, order: { id: 'ASC' } });
  }

  findById(id: number): Promise<IncidentEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  findOpenByKey(causeKey: string): Promise<IncidentEntity | null> {
    return this.repo.findOne({ where: { causeKey, state: 'open' } });
  }

  /** Newest first. */
  find(filter: IncidentFilter): Promise<IncidentEntity[]> {
    const where: FindOptionsWhere<IncidentEntity> = {};
    if (filter.state) where.state = filter.state;
    if (filter.kind) where.kind = filter.kind;
    if (filter.before !== undefined) where.id = LessThan(filter.before);
    return this.repo.find({ where, order: { id: 'DESC' }, take: filter.limit });
  }

  insert(incident: NewIncident): Promise<IncidentEntity> {
    return this.repo.save(this.repo.create(incident));
  }

  async update(id: number, fields: Partial<NewIncident>): Promise<void> {
    await this.repo.update({ id }, fields);
  }

  /** Sets `notified` if it is not set yet; true for the one caller that set it (an atomic claim). */
  async claimNotified(id: number): Promise<boolean> {
    const result = await this.repo.createQueryBuilder().update().set({ notified: true }).where('id = :id AND notified = :no', { id, no: false }).execute();
    return (result.affected ?? 0) > 0;
  }

  /** Open incidents by kind. */
  async openByKind(): Promise<Map<string, number>> {
    const rows: { kind: string; n: number }[] = await this.repo.createQueryBuilder('i').select('i.kind', 'kind').addSelect('COUNT(*)', 'n').where("i.state = 'open'").groupBy('i.kind').getRawMany();
    return new Map(rows.map((r) => [r.kind, Number(r.n)]));
  }

  /** Deletes resolved incidents that ended before `at` (retention); resolves with how many. */
  async deleteResolvedBefore(at: number): Promise<number> {
    const result = await this.repo.delete({ state: 'resolved', resolvedAt: LessThan(at) });
    return result.affected ?? 0;
  }
}
