import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { LessThan, MoreThan, type Repository } from 'typeorm';
import type { Actor } from '../access/request-context';
import { AgentsService } from '../agents/agents.service';
import { AuditService } from '../audit/audit.service';
import type { IncidentEntity } from '../alerts/incident.entity';
import { TargetsService } from '../targets/targets.service';
import { covers, MaintenanceWindowEntity, type Groups } from './maintenance';
import { MAX_WINDOW_DAYS, type CreateMaintenanceWindowDto, type MaintenanceWindowDto } from './maintenance.dto';

const DAY_MS = 86_400_000;

/** Maintenance windows: made, listed and ended by operators (audited); asked whether one covers an incident now. */
@Injectable()
export class MaintenanceService {
  constructor(
    @InjectRepository(MaintenanceWindowEntity) private readonly repo: Repository<MaintenanceWindowEntity>,
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(current: boolean): Promise<MaintenanceWindowDto[]> {
    const now = this.clock.now();
    const rows = await this.repo.find({ where: current ? { endsAt: MoreThan(now) } : {}, order: { startsAt: 'DESC', id: 'DESC' }, take: 500 });
    return rows.map((w) => ({ ...w, active: w.startsAt <= now && now < w.endsAt }));
  }

  async create(dto: CreateMaintenanceWindowDto, actor: Actor, source: string | null): Promise<MaintenanceWindowDto> {
    const now = this.clock.now();
    const bad = (m: string): never => {
      throw new BadRequestException({ message: [m], error: 'Bad Request', statusCode: 400 });
    };
    const scope = { agentId: dto.agentId ?? null, targetId: dto.targetId ?? null, agentGroup: dto.agentGroup ?? null, targetGroup: dto.targetGroup ?? null };
    if (Object.values(scope).filter((v) => v !== null).length !== 1) bad('exactly one of agentId, targetId, agentGroup, targetGroup must say what the window covers');
    if (scope.agentId !== null && !(await this.agents.exists(scope.agentId))) bad(`agentId names no agent (${scope.agentId})`);
    if (scope.targetId !== null && !this.targets.has(scope.targetId)) bad(`targetId names no target (${scope.targetId})`);
    const startsAt = dto.startsAt ?? now;
    if (dto.endsAt <= startsAt) bad('endsAt must be after startsAt');
    if (dto.endsAt <= now) bad('endsAt must be in the future');
    if (dto.endsAt - startsAt > MAX_WINDOW_DAYS * DAY_MS) bad(`a window lasts at most ${MAX_WINDOW_DAYS} days`);
    const saved = await this.repo.save(this.repo.create({ reason: dto.reason, ...scope, startsAt, endsAt: dto.endsAt, createdBy: actor?.username ?? null, createdAt: now }));
    await this.audit.record({ actor, action: 'maintenance.created', subject: `maintenance:${saved.id}`, detail: { reason: saved.reason, ...scope, startsAt, endsAt: saved.endsAt }, source });
    return { ...saved, active: startsAt <= now && now < saved.endsAt };
  }

  /** Ends a window now (one not started yet is deleted); audited. */
  async end(id: number, actor: Actor, source: string | null): Promise<void> {
    const w = await this.repo.findOne({ where: { id } });
    if (!w) throw new NotFoundException(`no maintenance window with id ${id}`);
    const now = this.clock.now();
    if (w.startsAt > now) await this.repo.delete({ id });
    else if (w.endsAt > now) await this.repo.update({ id }, { endsAt: now });
    await this.audit.record({ actor, action: 'maintenance.ended', subject: `maintenance:${id}`, detail: { reason: w.reason }, source });
  }

  /** The running windows, and a test of an incident against them (one read, many incidents). */
  async coverage(): Promise<(incident: Pick<IncidentEntity, 'kind' | 'agentIds' | 'targetIds'>) => boolean> {
    const now = this.clock.now();
    const running = await this.repo.find({ where: { startsAt: LessThan(now + 1), endsAt: MoreThan(now) } });
    if (running.length === 0) return () => false;
    const agentGroups = new Map((await this.agents.list()).map((a) => [a.id, a.group]));
    const targetGroups = new Map(this.targets.views().map((t) => [t.id, t.group]));
    const groups: Groups = { agentGroup: (id) => agentGroups.get(id) ?? null, targetGroup: (id) => targetGroups.get(id) ?? null };
    return (incident) => running.some((w) => covers(w, incident, groups, now));
  }

  /** Retention: windows that ended before `at` go. */
  async deleteEndedBefore(at: number): Promise<number> {
    return (await this.repo.delete({ endsAt: LessThan(at) })).affected ?? 0;
  }
}
