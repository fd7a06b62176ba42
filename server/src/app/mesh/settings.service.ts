import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import type { DataSource } from 'typeorm';
import { DEFAULT_LATENCY_THRESHOLD_US } from '@meshping/protocol';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { AuditService, type Actor } from '../audit/audit.service';

export interface Settings {
  /** Approved agents become targets of every agent (full mesh). */
  fullMesh: boolean;
  /** A reply slower than this is yellow in the grid, unless its target sets its own threshold. */
  latencyThresholdMs: number;
  /** Samples and gaps older than this many hours are deleted (default: MESHPING_RETENTION_HOURS). */
  retentionHours: number;
}

/** Each setting's row in the settings table. */
const KEYS = { fullMesh: 'mesh.full', latencyThresholdMs: 'latency.threshold_ms', retentionHours: 'retention.hours' } as const satisfies Record<
  keyof Settings,
  string
>;

/** Settings admins change at run time, kept in the settings table. */
@Injectable()
export class SettingsService {
  readonly changes$ = new Subject<Settings>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  async get(): Promise<Settings> {
    const keys = Object.values(KEYS);
    const rows: { key: string; value: string }[] = await this.db.query(
      `SELECT key, value FROM settings WHERE key IN (${keys.map(() => '?').join(',')})`,
      keys,
    );
    const value = (key: string) => rows.find((r) => r.key === key)?.value;
    const threshold = Number(value(KEYS.latencyThresholdMs));
    return {
      fullMesh: value(KEYS.fullMesh) === 'true',
      latencyThresholdMs: Number.isFinite(threshold) && threshold > 0 ? threshold : DEFAULT_LATENCY_THRESHOLD_US / 1000,
      retentionHours: Number(value(KEYS.retentionHours) ?? this.config.MESHPING_RETENTION_HOURS),
    };
  }

  /** Applies validated changes together (all or none), audits them and tells the listeners. */
  async update(changes: Partial<Settings>, actor: Actor, source: string | null): Promise<Settings> {
    await this.db.transaction(async (em) => {
      for (const name of Object.keys(KEYS) as (keyof Settings)[]) {
        const v = changes[name];
        if (v === undefined) continue;
        await em.query('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [KEYS[name], String(v)]);
      }
    });
    const settings = await this.get();
    await this.audit.record({ actor, action: 'settings.updated', detail: { ...changes }, source });
    this.changes$.next(settings);
    return settings;
  }
}
