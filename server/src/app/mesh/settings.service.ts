import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import type { DataSource } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service';

export interface Settings {
  /** Approved agents become targets of every agent (full mesh). */
  fullMesh: boolean;
}

/** Settings admins change at run time, kept in the settings table. */
@Injectable()
export class SettingsService {
  readonly changes$ = new Subject<Settings>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(): Promise<Settings> {
    const rows: { value: string }[] = await this.db.query("SELECT value FROM settings WHERE key = 'mesh.full'");
    return { fullMesh: rows[0]?.value === 'true' };
  }

  async update(changes: Partial<Settings>, actor: Actor, source: string | null): Promise<Settings> {
    if (changes.fullMesh !== undefined) {
      await this.db.query("INSERT INTO settings (key, value) VALUES ('mesh.full', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
        String(changes.fullMesh),
      ]);
    }
    const settings = await this.get();
    await this.audit.record({ actor, action: 'settings.updated', detail: { ...changes }, source });
    this.changes$.next(settings);
    return settings;
  }
}
