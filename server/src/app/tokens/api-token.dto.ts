import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsDisplayName } from '../../infra/validation/display-name';
import { OptionalNotNull } from '../../infra/validation/optional';
import { SCOPE_MEANINGS, TOKEN_SCOPES, type TokenScope } from '../access/token-scopes';

export const DEFAULT_EXPIRY_DAYS = 90;
export const MAX_EXPIRY_DAYS = 365;

const SCOPES_TEXT = TOKEN_SCOPES.map((s) => `${s} = ${SCOPE_MEANINGS[s]}`).join('; ');

export class CreateTokenDto {
  @ApiProperty({ example: 'rack-7 hosts', minLength: 1, maxLength: 80, description: 'No control or format characters, no surrounding whitespace' })
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  @IsDisplayName()
  name!: string;

  @ApiProperty({
    enum: TOKEN_SCOPES,
    enumName: 'TokenScope',
    isArray: true,
    minItems: 1,
    maxItems: TOKEN_SCOPES.length,
    uniqueItems: true,
    example: ['targets:write', 'monitoring:read'],
    description: `What the token may do (each at most once). A write scope includes the read scope of its area. ${SCOPES_TEXT}`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(TOKEN_SCOPES.length)
  @ArrayUnique({ message: 'scopes must not name a scope twice' })
  @IsIn(TOKEN_SCOPES, { each: true, message: `each of scopes must be one of: ${TOKEN_SCOPES.join(', ')}` })
  scopes!: TokenScope[];

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_EXPIRY_DAYS, default: DEFAULT_EXPIRY_DAYS, nullable: false, description: 'Days until the token expires' })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_EXPIRY_DAYS)
  expiresInDays?: number;
}

export const TOKEN_STATES = ['active', 'expired', 'revoked', 'creator-inactive'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

export class TokenDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: TOKEN_SCOPES, enumName: 'TokenScope', isArray: true, description: 'What the token may do' }) scopes!: TokenScope[];
  @ApiProperty({ type: String, nullable: true, description: "The creator's username; null when that account was deleted (the token no longer works)" })
  createdBy!: string | null;
  @ApiProperty({ description: 'Epoch ms' }) createdAt!: number;
  @ApiProperty({ description: 'Epoch ms; refused from then on' }) expiresAt!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Epoch ms, updated at most once a minute' }) lastUsedAt!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Epoch ms' }) revokedAt!: number | null;
  @ApiProperty({
    enum: TOKEN_STATES,
    enumName: 'TokenState',
    description: "Whether it works now. creator-inactive: its creator's account is disabled or deleted (it works again if the account is enabled again)",
  })
  state!: TokenState;
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'The token: shown in this answer only, stored only as a SHA-256 hash' }) token!: string;
}
