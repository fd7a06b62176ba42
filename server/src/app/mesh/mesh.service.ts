import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { canonicalTargetAddress } from '@meshping/protocol';
import { AgentsService } from '../agents/agents.service';
import { TargetsService } from '../targets/targets.service';
import { SettingsService } from './settings.service';

const MESH_GROUP = 'agents';

/**
 * Full mesh (optional setting): every approved agent is also a target, at the address it connects
 * from, so every agent probes every other. Targets made from agents come and go with approval.
 * The server's own agent is left out: its address as seen by the server is loopback.
 */
@Injectable()
export class MeshService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MeshService.name);
  private chain: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    private readonly settings: SettingsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The targets module cannot import this one (it imports targets): the ranges are handed to it.
    const { targetAllowRanges, targetDenyRanges } = await this.settings.get();
    this.targets.useRanges(targetAllowRanges, targetDenyRanges);
    this.settings.changes$.subscribe((s) => this.targets.useRanges(s.targetAllowRanges, s.targetDenyRanges));
    this.agents.stateChanges$.subscribe(() => this.schedule());
    this.settings.changes$.subscribe(() => this.schedule());
    this.schedule();
  }

  /** Lets a running reconciliation finish before the database closes; starts no new one. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.chain;
  }

  /** Reconciliations run one after another; each looks at the current state. */
  schedule(): Promise<void> {
    this.chain = this.chain.then(() => this.reconcile()).catch((err) => this.logger.error({ event: 'mesh.reconcile-failed', err }));
    return this.chain;
  }

  private async reconcile(): Promise<void> {
    if (this.stopping) return;
    const { fullMesh } = await this.settings.get();
    const members = fullMesh ? (await this.agents.list()).filter((a) => a.state === 'approved' && !a.local && a.ip) : [];
    const wanted = new Map(members.map((a) => [a.id, a]));
    for (const target of await this.targets.madeFromAgents()) {
      const agent = wanted.get(target.agentId);
      if (!agent) await this.targets.remove(target.id, null, null);
      else if (canonicalTargetAddress(agent.ip as string) !== target.address) await this.targets.update(target.id, { address: agent.ip as string }, null, null);
      wanted.delete(target.agentId);
    }
    for (const agent of wanted.values()) {
      const address = agent.ip as string;
      if (await this.targets.addressTaken(address)) {
        this.logger.warn({ event: 'mesh.address-taken', agentId: agent.id, address });
        continue;
      }
      await this.targets.create({ address, name: agent.hostname, group: MESH_GROUP }, null, null, agent.id);
    }
  }
}
