import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { OptionalNotNull } from '../../infra/validation/optional';
import { Access } from '../auth/access.decorator';
import { AccessArea } from '../auth/access-area.decorator';
import { AuditService } from './audit.service';

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
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ operationId: 'listAuditEntries', summary: 'The audit log, newest first, one page at a time' })
  @Access('admin')
  @ApiOkResponse({ type: [AuditEntryDto], description: 'Audit log, newest first' })
  async list(@Query() query: AuditQueryDto): Promise<AuditEntryDto[]> {
    return (await this.audit.list(query.limit ?? 100, query.before)).map((e) => ({ ...e }));
  }
}
