import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ProbeTarget } from '@meshping/protocol';
import { Subject } from 'rxjs';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { TargetsRepository } from './targets.repository';

/**
 * The central target list. The skeleton seeds it on first start and serves it read-only;
 * create / edit / delete with incremental pushes arrive with issue 4.
 */
@Injectable()
export class TargetsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TargetsService.name);
  private cache: ProbeTarget[] = [];
  private ids = new Set<number>();
  private version = 0;
  /** Emits the new list version whenever the list changes. */
  readonly changes$ = new Subject<number>();

  constructor(
    private readonly repository: TargetsRepository,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.repository.count()) === 0) {
      const initial = this.config.MESHPING_INITIAL_TARGETS;
      await this.repository.insertMany(initial);
      this.logger.log({ event: 'targets.seeded', targets: initial });
    }
    await this.reload();
  }

  list(): readonly ProbeTarget[] {
    return this.cache;
  }

  currentVersion(): number {
    return this.version;
  }

  has(targetId: number): boolean {
    return this.ids.has(targetId);
  }

  private async reload(): Promise<void> {
    this.cache = (await this.repository.findAll()).map((t) => ({ id: t.id, address: t.address, name: t.name }));
    this.ids = new Set(this.cache.map((t) => t.id));
    this.version += 1;
    this.changes$.next(this.version);
  }
}
