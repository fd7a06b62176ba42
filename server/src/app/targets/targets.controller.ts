import { Body, Controller, Delete, ForbiddenException, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Put, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { canonicalTargetAddress } from '@meshping/protocol';
import type { Request } from 'express';
import { plainAddress } from '../../infra/net/client-address';
import { Access } from '../auth/access.decorator';
import { AccessArea } from '../auth/access-area.decorator';
import { actorOf } from '../auth/request-context';
import { CreateTargetDto, SelfRegisterDto, TargetDto, UpdateTargetDto } from './target.dto';
import { TargetsService } from './targets.service';

@ApiTags('targets')
@AccessArea('targets')
@Controller('targets')
export class TargetsController {
  constructor(private readonly targets: TargetsService) {}

  @Get()
  @ApiOperation({ operationId: 'listTargets', summary: 'All targets every agent probes' })
  @Access('viewer')
  @ApiOkResponse({ type: [TargetDto], description: 'The central target list every agent probes' })
  list(): TargetDto[] {
    return this.targets.views();
  }

  @Post()
  @ApiOperation({ operationId: 'createTarget', summary: 'Add a target (IPv4, IPv6 or hostname) for every agent to probe' })
  @Access('operator')
  @ApiCreatedResponse({ type: TargetDto, description: 'Created and pushed to every connected agent' })
  @ApiConflictResponse({ description: 'The address is already a target' })
  create(@Body() dto: CreateTargetDto, @Req() req: Request): Promise<TargetDto> {
    return this.targets.create(dto, actorOf(req), req.ip ?? null);
  }

  /** Seed 001: a host adds (or refreshes) itself as a target with one PUT and an API token. */
  @Put('self')
  @ApiOperation({ operationId: 'registerSelfTarget', summary: 'Scripts: add or update the calling host as a target (idempotent, by address)' })
  @Access('token:targets:register')
  @ApiOkResponse({ type: TargetDto, description: 'The target for this host: created, or updated when the address is already one' })
  registerSelf(@Body() dto: SelfRegisterDto, @Req() req: Request): Promise<TargetDto> {
    const source = plainAddress(req.ip);
    // A token registers the host it runs on, nothing else: no third-party addresses to ping.
    if (dto.address !== undefined && canonicalTargetAddress(dto.address) !== canonicalTargetAddress(source)) {
      throw new ForbiddenException(`a host registers itself: the address must be the one it connects from (${source})`);
    }
    return this.targets.registerSelf({ ...dto, address: source }, actorOf(req), source);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateTarget', summary: "Change a target's address, name, group or latency threshold" })
  @Access('operator')
  @ApiOkResponse({ type: TargetDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The new address is already a target' })
  update(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateTargetDto, @Req() req: Request): Promise<TargetDto> {
    return this.targets.update(id, dto, actorOf(req), req.ip ?? null);
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'deleteTarget', summary: 'Remove a target; agents stop probing it' })
  @Access('operator')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; agents stop probing it at once. Its history is kept.' })
  @ApiNotFoundResponse()
  async remove(@Param('id', ParseIntPipe) id: number, @Req() req: Request): Promise<void> {
    await this.targets.remove(id, actorOf(req), req.ip ?? null);
  }
}
