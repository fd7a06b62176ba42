import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { EXPORT_FORMATS, streamExport, type ExportFormat } from '../../infra/export/table-export';
import { OptionalNotNull } from '../../infra/validation/optional';
import { EARLIEST_QUERY_MS, LATEST_QUERY_MS, QueryTime, resolveWindow, TIME_BOUNDS } from '../../infra/validation/query-time';
import { Access } from '../access/access.decorator';
import { AccessArea } from '../access/access-area.decorator';
import { AUDIT_COLUMNS, ExportedAuditEntryDto } from './audit-export';
import { AuditService } from './audit.service';

const HOUR_MS = 3_600_000;
/**
 * The longest window one audit export may ask for: a year (366 days). The audit log is kept
 * without a retention limit and is small (one row per sign-in or change), and the export streams.
 */
export const MAX_AUDIT_EXPORT_MS = 366 * 24 * HOUR_MS;

class AuditQueryDto {
  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000, nullable: false })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, nullable: false, description: 'Only entries with a smaller id (paging backwards)' })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  before?: number;
}

class AuditExportQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: EARLIEST_QUERY_MS,
    maximum: LATEST_QUERY_MS,
    nullable: false,
    description: `Start. ${TIME_BOUNDS}; before \`to\`, at most ${MAX_AUDIT_EXPORT_MS / HOUR_MS} hours (366 days) before it; default: one hour before \`to\``,
  })
  @QueryTime()
  from?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: EARLIEST_QUERY_MS, maximum: LATEST_QUERY_MS, nullable: false, description: `End (exclusive). ${TIME_BOUNDS}; default: now` })
  @QueryTime()
  to?: number;

  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'csv', nullable: false, description: 'csv: RFC 4180 with a header line, CRLF; json: an array of objects' })
  @OptionalNotNull()
  @IsIn(EXPORT_FORMATS, { message: `format must be one of: ${EXPORT_FORMATS.join(', ')}` })
  format?: ExportFormat;
}

class AuditEntryDto {
  @ApiProperty({ example: 42, description: 'Entry id, increasing' }) id!: number;
  @ApiProperty({ description: 'Epoch ms', example: 1796299200000 }) at!: number;
  @ApiProperty({ type: Number, nullable: true, example: 1, description: 'User id of who did it (null: the system)' }) actorId!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'admin', description: 'Username at the time' }) actor!: string | null;
  @ApiProperty({ example: 'user.created', description: 'What happened: <area>.<verb>' }) action!: string;
  @ApiProperty({ type: String, nullable: true, example: 'user:alice', description: 'What it happened to' }) subject!: string | null;
  @ApiProperty({ type: Object, nullable: true, example: { role: 'operator' }, description: 'Action-specific details (never secrets)' }) detail!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, example: '192.0.2.7', description: 'Source address' }) source!: string | null;
}

@ApiTags('audit')
@AccessArea('audit')
@ApiExtraModels(ExportedAuditEntryDto)
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listAuditEntries', summary: 'The audit log, newest first, one page at a time' })
  @Access('admin')
  @ApiOkResponse({ type: [AuditEntryDto], description: 'Audit log, newest first' })
  async list(@Query() query: AuditQueryDto): Promise<AuditEntryDto[]> {
    return (await this.audit.list(query.limit ?? 100, query.before)).map((e) => ({ ...e }));
  }

  @Get('export')
  @Access('admin')
  @ApiOperation({ operationId: 'exportAuditLog', summary: 'Downloads the audit log over a window as CSV or JSON, streamed' })
  @ApiProduces('text/csv', 'application/json')
  @ApiOkResponse({
    description:
      'Entries with from <= at < to, oldest first, as an attachment named meshping-audit-<from>-<to>.<format>. ' +
      'CSV: RFC 4180, header `at_iso,at_ms,id,actor_id,actor,action,subject,detail,source` (detail as JSON text), CRLF; text a user chose that a ' +
      "spreadsheet would read as a formula (starting with = + - @, TAB, CR or NUL) gets a leading apostrophe. JSON: an array of the same fields in camelCase, unaltered.",
    content: {
      'text/csv': { schema: { type: 'string' }, example: 'at_iso,at_ms,id,actor_id,actor,action,subject,detail,source\r\n2026-12-03T12:00:05.000Z,1796299205000,7,1,admin,target.created,target:3,"{""address"":""192.0.2.1""}",127.0.0.1\r\n' },
      'application/json': { schema: { type: 'array', items: { $ref: getSchemaPath(ExportedAuditEntryDto) } } },
    },
  })
  @ApiBadRequestResponse({ description: 'A bad from, to or format (the message names the field)' })
  async export(@Query() query: AuditExportQueryDto, @Res() res: Response): Promise<void> {
    const { from, to } = resolveWindow(query, this.clock.now(), MAX_AUDIT_EXPORT_MS);
    const format = query.format ?? 'csv';
    await streamExport(res, { what: 'audit-log', format, fileName: `meshping-audit-${from}-${to}`, columns: AUDIT_COLUMNS, pages: this.audit.pages(from, to), rowsIn: (page) => page.length });
  }
}
