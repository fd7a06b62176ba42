import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Access } from '../auth/access.decorator';
import { actorOf } from '../auth/request-context';
import { CreatedTokenDto, CreateTokenDto, DEFAULT_EXPIRY_DAYS, TokenDto } from './api-token.dto';
import { ApiTokensService } from './api-tokens.service';

@ApiTags('tokens')
@Controller('tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Get()
  @ApiOperation({ operationId: 'listApiTokens', summary: 'All API tokens (never the token itself)' })
  @Access('admin')
  @ApiOkResponse({ type: [TokenDto] })
  async list(): Promise<TokenDto[]> {
    return this.tokens.list();
  }

  @Post()
  @ApiOperation({ operationId: 'createApiToken', summary: 'Create an API token for scripts; the token is shown in this answer only' })
  @Access('admin')
  @ApiCreatedResponse({ type: CreatedTokenDto })
  async create(@Body() dto: CreateTokenDto, @Req() req: Request): Promise<CreatedTokenDto> {
    return this.tokens.create({ name: dto.name, scopes: dto.scopes, expiresInDays: dto.expiresInDays ?? DEFAULT_EXPIRY_DAYS }, actorOf(req), req.ip ?? null);
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'revokeApiToken', summary: 'Revoke an API token: refused from now on' })
  @Access('admin')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked: refused from now on' })
  @ApiNotFoundResponse()
  async revoke(@Param('id', ParseIntPipe) id: number, @Req() req: Request): Promise<void> {
    await this.tokens.revoke(id, actorOf(req), req.ip ?? null);
  }
}
