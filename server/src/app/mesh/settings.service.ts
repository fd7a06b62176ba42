import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import type { DataSource } from 'typeorm';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { AuditService, type Actor } from '../audit/audit.service';

export interface Settings {
  /** Approved agents become targets of every agent (full mesh). */
  fullMesh: boolean;
  /** Samples and gaps older than this many hours are deleted (default: MESHPING_RETENTION_HOURS). */
  retentionHours: number;
}

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
    const rows: { key: string; value: string }[] = await this.db.query("SELECT key, value FROM settings WHERE key IN ('mesh.full', 'retention.hours')");
    const value = (key: string) => rows.find((r) => r.key === key)?.value;
    return { fullMesh: value('mesh.full') === 'true', retentionHours: Number(value('retention.hours') ?? this.config.MESHPING_RETENTION_HOURS) };
  }

  async update(changes: Partial<Settings>, actor: Actor, source: string | null): Promise<Settings> {
    if (changes.fullMesh !== undefined) {
      await this.db.query("INSERT INTO settings (key, value) VALUES ('mesh.full', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
        String(changes.fullMesh),
      ]);
    }
    if (changes.retentionHours !== undefined) {
      await this.db.query("INSERT INTO settings (key, value) VALUES ('retention.hours', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
        String(changes.retentionHours),
      ]);
    }
    const settings = await this.get();
    await this.audit.record({ actor, action: 'settings.updated', detail: { ...changes }, source });
    this.changes$.next(settings);
    return settings;
  }
}
