import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * The `settings` table: text values by key, shared by the mesh settings (app/mesh) and the sealed
 * enrollment secret (app/agents). The one place that holds its SQL.
 */
@Injectable()
export class SettingsTable {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The stored rows for these keys (a key without a row is left out). */
  async read(keys: readonly string[]): Promise<Map<string, string | null>> {
    if (keys.length === 0) return new Map();
    const rows: { key: string; value: string | null }[] = await this.db.query(`SELECT key, value FROM settings WHERE key IN (${keys.map(() => '?').join(',')})`, [...keys]);
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async get(key: string): Promise<string | null> {
    return (await this.read([key])).get(key) ?? null;
  }

  /** Writes every entry or none (one transaction). */
  async write(entries: readonly (readonly [key: string, value: string])[]): Promise<void> {
    await this.db.transaction(async (em) => {
      for (const [key, value] of entries) {
        await em.query('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
      }
    });
  }

  /** Stores the value only if the key has no row yet. */
  async insertIfAbsent(key: string, value: string): Promise<void> {
    await this.db.query('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)', [key, value]);
  }

  /** Replaces the value only if it is still `expected` (a concurrent change wins). */
  async replaceIf(key: string, expected: string, value: string): Promise<void> {
    await this.db.query('UPDATE settings SET value = ? WHERE key = ? AND value = ?', [value, key, expected]);
  }
}
