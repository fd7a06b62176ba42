import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
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
  @ApiProperty() id!: number;
  @ApiProperty({ description: 'Epoch ms' }) at!: number;
  @ApiProperty({ type: Number, nullable: true }) actorId!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Username at the time' }) actor!: string | null;
  @ApiProperty({ example: 'user.created' }) action!: string;
  @ApiProperty({ type: String, nullable: true }) subject!: string | null;
  @ApiProperty({ type: Object, nullable: true }) detail!: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true, description: 'Source address' }) source!: string | null;
}

@ApiTags('audit')
@AccessArea('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access('admin')
  @ApiOkResponse({ type: [AuditEntryDto], description: 'Audit log, newest first' })
  async list(@Query() query: AuditQueryDto): Promise<AuditEntryDto[]> {
    return (await this.audit.list(query.limit ?? 100, query.before)).map((e) => ({ ...e }));
  }
}
