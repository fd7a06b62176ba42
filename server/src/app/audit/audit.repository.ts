import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { And, Equal, LessThan, MoreThan, MoreThanOrEqual, type Repository } from 'typeorm';
import { AuditEntity } from './audit.entity';

/** The audit_log table: appended to, read newest first by id or oldest first by time. */
@Injectable()
export class AuditRepository {
  constructor(@InjectRepository(AuditEntity) private readonly repo: Repository<AuditEntity>) {}

  async append(entry: Omit<AuditEntity, 'id'>): Promise<void> {
    // save(create()) rather than insert(): TypeORM's insert types refuse the JSON detail column.
    await this.repo.save(this.repo.create(entry));
  }

  /** Newest first; `before` (an id) pages backwards. */
  newest(limit: number, before?: number): Promise<AuditEntity[]> {
    return this.repo.find({ where: before ? { id: LessThan(before) } : {}, order: { id: 'DESC' }, take: limit });
  }

  /** Up to `limit` entries with from <= at < to after `after` (keyset on (at, id)), oldest first. */
  oldestAfter(from: number, to: number, after: { at: number; id: number } | null, limit: number): Promise<AuditEntity[]> {
    const where = after
      ? [{ at: And(MoreThan(after.at), LessThan(to)) }, { at: Equal(after.at), id: MoreThan(after.id) }]
      : { at: And(MoreThanOrEqual(from), LessThan(to)) };
    return this.repo.find({ where, order: { at: 'ASC', id: 'ASC' }, take: limit });
  }
}
