import { BadRequestException, ConflictException, Inject, Injectable, Logger, NotFoundException, type OnApplicationBootstrap } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { checkTargetAddress, type ProbeTarget } from '@meshping/protocol';
import { Subject } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import type { Actor } from '../access/request-context';
import { AuditService } from '../audit/audit.service';
import type { TargetEntity } from './target.entity';
import type { TargetView } from './target-view';
import type { CreateTargetDto, UpdateTargetDto } from './target.dto';
import { TargetRangePolicy } from './target-policy';
import { TargetsRepository } from './targets.repository';

export interface TargetsChange {
  /** The version the change applies to, and the version it yields. */
  from: number;
  version: number;
  upserted: ProbeTarget[];
  removed: number[];
}

export type { TargetView } from './target-view';

/** What agents get: a dormant target carries when it went dormant (absent: awake; a change replaces the whole entry). */
const probeOf = ({ id, address, name, dormantSince }: Pick<TargetView, 'id' | 'address' | 'name' | 'dormantSince'>): ProbeTarget =>
  dormantSince ? { id, address, name, dormantSince } : { id, address, name };
const toView = (t: TargetEntity): TargetView => ({
  id: t.id,
  address: t.address,
  name: t.name,
  group: t.group,
  latencyThresholdMs: t.latencyThresholdMs ?? null,
  dormantSince: t.dormantSince ?? null,
  dormantAfterSeconds: t.dormantAfterSeconds ?? null,
});
const toProbe = (t: TargetEntity): ProbeTarget => probeOf(toView(t));

/**
 * The central target list: validated, versioned, audited. Every change bumps the version in the
 * same transaction and is announced on changes$ (agents get it as an incremental update).
 */
@Injectable()
export class TargetsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TargetsService.name);
  private live = new Map<number, TargetView>();
  private tombstones = new Set<number>();
  private version = 0;
  /** The admin-set ranges (settings), kept current by the mesh module, which owns the settings. */
  private ranges = new TargetRangePolicy([], []);
  readonly changes$ = new Subject<TargetsChange>();

  constructor(
    private readonly repository: TargetsRepository,
    private readonly audit: AuditService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.version = await this.repository.version();
    if ((await this.repository.countAll()) === 0) {
      const initial = this.config.MESHPING_INITIAL_TARGETS;
      const { version } = await this.repository.change(async (em) => {
        for (const address of new Set(initial.map((a) => this.canonical(a, false)))) await this.repository.insert(em, { address, name: null, group: null });
      });
      this.version = version;
      this.logger.log({ event: 'targets.seeded', targets: initial });
    }
    for (const t of await this.repository.findLive()) this.live.set(t.id, toView(t));
    this.tombstones = new Set(await this.repository.findDeletedIds());
  }

  /** Applies the settings targetAllowRanges / targetDenyRanges to targets added or edited from now on. */
  useRanges(allow: readonly string[], deny: readonly string[]): void {
    this.ranges = new TargetRangePolicy(allow, deny);
  }

  /**
   * The canonical form of an address (what is stored and compared), or a 400 naming the rule
   * that refuses it. `ranges`: also apply the admin-set ranges (not to targets made from agents:
   * the full mesh probes wherever the agents are).
   */
  canonical(address: string, ranges: boolean): string {
    const r = checkTargetAddress(address);
    if (!r.ok) throw new BadRequestException([`address ${r.reason}`]);
    const problem = ranges ? this.ranges.problem(r.address, r.family) : null;
    if (problem) throw new BadRequestException([`address ${r.address} ${problem}`]);
    return r.address;
  }

  list(): ProbeTarget[] {
    return [...this.live.values()].map(probeOf);
  }

  /**
   * A target goes dormant (`since`, epoch ms) or wakes (null): stored, and told to every agent as a
   * change of the list (they probe it on the back-off schedule, or every round again). Not audited:
   * the server decides it (DormancyService), and the state-change log and the grid show it.
   */
  async setDormant(id: number, since: number | null): Promise<void> {
    const current = this.live.get(id);
    if (!current || current.dormantSince === since) return;
    const changed = await this.repository
      .change(async (em) => {
        const target = await this.repository.findLiveById(id, em);
        if (!target) throw new NotFoundException(`no target with id ${id}`); // deleted meanwhile: rolled back, no version spent
        target.dormantSince = since;
        return this.repository.update(em, target);
      })
      .catch((err: unknown) => (err instanceof NotFoundException ? null : Promise.reject(err)));
    if (!changed) return;
    const { result, version } = changed;
    const view = toView(result);
    this.live.set(view.id, view);
    this.announce(version, [toProbe(result)], []);
    this.logger.log({ event: since === null ? 'target.woke' : 'target.dormant', targetId: id, address: view.address, ...(since === null ? {} : { since }) });
  }

  views(): TargetView[] {
    return [...this.live.values()];
  }

  currentVersion(): number {
    return this.version;
  }

  has(targetId: number): boolean {
    return this.live.has(targetId);
  }

  /** The address of a live or deleted target (history outlives deletion), or null when there never was one. */
  async addressOf(targetId: number): Promise<string | null> {
    return this.live.get(targetId)?.address ?? (await this.repository.findById(targetId))?.address ?? null;
  }

  /** A target that existed and was deleted: late results for it are dropped, not refused. */
  wasDeleted(targetId: number): boolean {
    return this.tombstones.has(targetId);
  }

  async create(dto: CreateTargetDto, actor: Actor | null, source: string | null, agentId: number | null = null): Promise<TargetView> {
    const address = this.canonical(dto.address, agentId === null);
    const { result, version } = await this.repository.change(async (em) => {
      await this.assertAddressFree(em, address);
      return this.repository.insert(em, {
        address,
        name: dto.name ?? null,
        group: dto.group ?? null,
        latencyThresholdMs: dto.latencyThresholdMs ?? null,
        dormantAfterSeconds: dto.dormantAfterSeconds ?? null,
        agentId,
      });
    });
    const view = toView(result);
    this.live.set(view.id, view);
    this.announce(version, [toProbe(result)], []);
    await this.audit.record({ actor, action: 'target.created', subject: `target:${view.address}`, detail: { id: view.id, name: view.name, group: view.group, latencyThresholdMs: view.latencyThresholdMs, dormantAfterSeconds: view.dormantAfterSeconds }, source });
    return view;
  }

  /** Creates the target, or updates name and group of the live target with this address. */
  async registerSelf(dto: CreateTargetDto, actor: Actor, source: string | null): Promise<TargetView> {
    const address = this.canonical(dto.address, true);
    const existing = await this.repository.findLiveByAddress(address);
    if (!existing) return this.create({ ...dto, address }, actor, source);
    if (existing.agentId !== null) throw new ConflictException(`${address} is an agent's target (full mesh); it is managed with the agent`);
    return this.update(existing.id, { name: dto.name, group: dto.group }, actor, source);
  }

  async update(id: number, dto: UpdateTargetDto, actor: Actor | null, source: string | null): Promise<TargetView> {
    const changes: Record<string, unknown> = {};
    const { result, version } = await this.repository.change(async (em) => {
      const target = await this.repository.findLiveById(id, em);
      if (!target) throw new NotFoundException(`no target with id ${id}`);
      const address = dto.address === undefined ? undefined : this.canonical(dto.address, target.agentId === null);
      if (address !== undefined && address !== target.address) await this.assertAddressFree(em, address);
      const wanted = { ...dto, address };
      for (const key of ['address', 'name', 'group', 'latencyThresholdMs', 'dormantAfterSeconds'] as const) {
        if (wanted[key] !== undefined && wanted[key] !== target[key]) changes[key] = wanted[key];
      }
      Object.assign(target, changes);
      return this.repository.update(em, target);
    });
    const view = toView(result);
    this.live.set(view.id, view);
    this.announce(version, [toProbe(result)], []);
    await this.audit.record({ actor, action: 'target.updated', subject: `target:${view.address}`, detail: { id, ...changes }, source });
    return view;
  }

  async remove(id: number, actor: Actor | null, source: string | null): Promise<void> {
    const { result, version } = await this.repository.change(async (em) => {
      const target = await this.repository.findLiveById(id, em);
      if (!target) throw new NotFoundException(`no target with id ${id}`);
      target.deletedAt = this.clock.now();
      return this.repository.update(em, target);
    });
    this.live.delete(id);
    this.tombstones.add(id);
    this.announce(version, [], [id]);
    await this.audit.record({ actor, action: 'target.deleted', subject: `target:${result.address}`, detail: { id }, source });
  }

  /** Full mesh: the live target made from this agent, if any. */
  async madeFromAgent(agentId: number): Promise<TargetView | null> {
    const t = await this.repository.findLiveByAgent(agentId);
    return t ? toView(t) : null;
  }

  async madeFromAgents(): Promise<(TargetView & { agentId: number })[]> {
    return (await this.repository.findLiveMadeFromAgents()).map((t) => ({ ...toView(t), agentId: t.agentId as number }));
  }

  /** Whether an address is a live target already (made by a person or from an agent). */
  async addressTaken(address: string): Promise<boolean> {
    const canonical = checkTargetAddress(address);
    return (await this.repository.findLiveByAddress(canonical.ok ? canonical.address : address)) !== null;
  }

  private async assertAddressFree(em: EntityManager, address: string): Promise<void> {
    const existing = await this.repository.findLiveByAddress(address, em);
    if (existing) throw new ConflictException(`address "${address}" is already a target (id ${existing.id})`);
  }

  /** Each change bumps the version by exactly one (in its transaction), so it applies to version - 1. */
  private announce(version: number, upserted: ProbeTarget[], removed: number[]): void {
    this.version = Math.max(this.version, version);
    this.changes$.next({ from: version - 1, version, upserted, removed });
  }
}
