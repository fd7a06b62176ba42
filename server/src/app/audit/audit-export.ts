import { ApiProperty } from '@nestjs/swagger';
import type { ExportColumn } from '../../infra/export/table-export';
import type { AuditEntity } from './audit.entity';

/**
 * CSV `at_iso,at_ms,id,actor_id,actor,action,subject,detail,source` (detail as JSON text); JSON the
 * same fields in camelCase. Every text a user or client could have chosen (usernames, token and
 * target names in subjects and details, source addresses) is a user text cell: formula-guarded.
 */
export const AUDIT_COLUMNS: readonly ExportColumn<readonly AuditEntity[]>[] = [
  { csv: 'at_iso', json: 'atIso', get: (p, i) => new Date(p[i].at).toISOString() },
  { csv: 'at_ms', json: 'atMs', get: (p, i) => p[i].at },
  { csv: 'id', json: 'id', get: (p, i) => p[i].id },
  { csv: 'actor_id', json: 'actorId', get: (p, i) => p[i].actorId },
  { csv: 'actor', json: 'actor', get: (p, i) => p[i].actor, userText: true },
  { csv: 'action', json: 'action', get: (p, i) => p[i].action, userText: true },
  { csv: 'subject', json: 'subject', get: (p, i) => p[i].subject, userText: true },
  { csv: 'detail', json: 'detail', get: (p, i) => p[i].detail, userText: true },
  { csv: 'source', json: 'source', get: (p, i) => p[i].source, userText: true },
];

/** An element of the JSON export (documentation; the rows are written by AUDIT_COLUMNS). */
export class ExportedAuditEntryDto {
  @ApiProperty({ example: '2026-12-03T12:00:05.000Z', description: 'ISO 8601 UTC (ms)' }) atIso!: string;
  @ApiProperty({ example: 1796299205000, description: 'Epoch ms' }) atMs!: number;
  @ApiProperty() id!: number;
  @ApiProperty({ type: Number, nullable: true }) actorId!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Username at the time, "token:<name>" for an API token' }) actor!: string | null;
  @ApiProperty({ example: 'user.created' }) action!: string;
  @ApiProperty({ type: String, nullable: true }) subject!: string | null;
  @ApiProperty({ type: Object, nullable: true, description: 'In CSV: the same object as JSON text' }) detail!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, description: 'Source address' }) source!: string | null;
}
