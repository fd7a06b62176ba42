import { Body, Controller, Get, Patch, Req } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { MIN_LATENCY_THRESHOLD_MS, PROBE_TIMEOUT_MS } from '@meshping/protocol';
import { IsBoolean, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import type { Request } from 'express';
import { Access } from '../auth/access.decorator';
import { actorOf } from '../auth/request-context';
import { SettingsService, type Settings } from './settings.service';

class SettingsDto implements Settings {
  @ApiProperty({ description: 'Approved agents become targets of every agent (full mesh)' }) fullMesh!: boolean;
  @ApiProperty({ description: 'Global latency threshold in ms: a slower reply is yellow in the grid (a target may override it)', example: 100 })
  latencyThresholdMs!: number;
  @ApiProperty({ description: 'Samples and gaps are kept this many hours (default MESHPING_RETENTION_HOURS, 24)' }) retentionHours!: number;
}

class UpdateSettingsDto implements Partial<Settings> {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  fullMesh?: boolean;

  @ApiPropertyOptional({ minimum: MIN_LATENCY_THRESHOLD_MS, maximum: PROBE_TIMEOUT_MS })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 }, { message: 'latencyThresholdMs must be a number of milliseconds' })
  @Min(MIN_LATENCY_THRESHOLD_MS)
  @Max(PROBE_TIMEOUT_MS, { message: `latencyThresholdMs must not exceed the probe timeout (${PROBE_TIMEOUT_MS} ms)` })
  latencyThresholdMs?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 8760, description: 'Hours of samples to keep; older data is deleted within minutes' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8760)
  retentionHours?: number;
}

@ApiTags('settings')
@Controller('settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @Access('viewer')
  @ApiOkResponse({ type: SettingsDto })
  get(): Promise<SettingsDto> {
    return this.settings.get();
  }

  @Patch()
  @Access('admin')
  @ApiOkResponse({ type: SettingsDto })
  update(@Body() dto: UpdateSettingsDto, @Req() req: Request): Promise<SettingsDto> {
    return this.settings.update(dto, actorOf(req), req.ip ?? null);
  }
}
