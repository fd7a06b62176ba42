import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import type { Request } from 'express';
import { IsDisplayName } from '../../infra/validation/display-name';
import { Access } from '../auth/access.decorator';
import { actorOf } from '../auth/request-context';
import { TOKEN_SCOPES, type ApiTokenEntity, type TokenScope } from './api-token.entity';
import { ApiTokensService } from './api-tokens.service';

class CreateTokenDto {
  @ApiProperty({ example: 'rack-7 hosts', minLength: 1, maxLength: 80, description: 'No control or format characters, no surrounding whitespace' })
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  @IsDisplayName()
  name!: string;

  @ApiProperty({ enum: TOKEN_SCOPES, description: 'targets:register = PUT /api/targets/self only; metrics:read = GET /api/metrics only (Prometheus)' })
  @IsIn(TOKEN_SCOPES)
  scope!: TokenScope;
}

class TokenDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: TOKEN_SCOPES }) scope!: TokenScope;
  @ApiProperty({ description: 'Epoch ms' }) createdAt!: number;
  @ApiProperty({ type: Number, nullable: true }) lastUsedAt!: number | null;
  @ApiProperty({ type: Number, nullable: true }) revokedAt!: number | null;
}

class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'The token: shown this once, stored only as a hash' }) token!: string;
}

const toDto = (t: ApiTokenEntity): TokenDto => ({
  id: t.id,
  name: t.name,
  scope: t.scope,
  createdAt: t.createdAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
});

@ApiTags('tokens')
@Controller('tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Get()
  @ApiOperation({ operationId: 'listApiTokens', summary: 'All API tokens (never the token itself)' })
  @Access('admin')
  @ApiOkResponse({ type: [TokenDto] })
  async list(): Promise<TokenDto[]> {
    return (await this.tokens.list()).map(toDto);
  }

  @Post()
  @ApiOperation({ operationId: 'createApiToken', summary: 'Create an API token for scripts; the token is shown in this answer only' })
  @Access('admin')
  @ApiCreatedResponse({ type: CreatedTokenDto })
  async create(@Body() dto: CreateTokenDto, @Req() req: Request): Promise<CreatedTokenDto> {
    const { entity, token } = await this.tokens.create(dto.name, dto.scope, actorOf(req), req.ip ?? null);
    return { ...toDto(entity), token };
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
