import { Body, Controller, Get, Patch, Req } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import type { Request } from 'express';
import { Access } from '../auth/access.decorator';
import { actorOf } from '../auth/request-context';
import { SettingsService, type Settings } from './settings.service';

class SettingsDto implements Settings {
  @ApiProperty({ description: 'Approved agents become targets of every agent (full mesh)' }) fullMesh!: boolean;
}

class UpdateSettingsDto implements Partial<Settings> {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  fullMesh?: boolean;
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
