import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import type { DataSource } from 'typeorm';
import { DEFAULT_LATENCY_THRESHOLD_US } from '@meshping/protocol';
import { AuditService, type Actor } from '../audit/audit.service';

export interface Settings {
  /** Approved agents become targets of every agent (full mesh). */
  fullMesh: boolean;
  /** A reply slower than this is yellow in the grid, unless its target sets its own threshold. */
  latencyThresholdMs: number;
}

const THRESHOLD_KEY = 'latency.threshold_ms';

/** Settings admins change at run time, kept in the settings table. */
@Injectable()
export class SettingsService {
  readonly changes$ = new Subject<Settings>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(): Promise<Settings> {
    const rows: { key: string; value: string }[] = await this.db.query("SELECT key, value FROM settings WHERE key IN ('mesh.full', ?)", [THRESHOLD_KEY]);
    const value = (key: string) => rows.find((r) => r.key === key)?.value;
    const threshold = Number(value(THRESHOLD_KEY));
    return {
      fullMesh: value('mesh.full') === 'true',
      latencyThresholdMs: Number.isFinite(threshold) && threshold > 0 ? threshold : DEFAULT_LATENCY_THRESHOLD_US / 1000,
    };
  }

  async update(changes: Partial<Settings>, actor: Actor, source: string | null): Promise<Settings> {
    if (changes.fullMesh !== undefined) {
      await this.db.query("INSERT INTO settings (key, value) VALUES ('mesh.full', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
        String(changes.fullMesh),
      ]);
    }
    if (changes.latencyThresholdMs !== undefined) {
      await this.db.query('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
        THRESHOLD_KEY,
        String(changes.latencyThresholdMs),
      ]);
    }
    const settings = await this.get();
    await this.audit.record({ actor, action: 'settings.updated', detail: { ...changes }, source });
    this.changes$.next(settings);
    return settings;
  }
}
