import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsString, IsUrl, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { IsDisplayName } from '../../infra/validation/display-name';
import { OptionalNotNull } from '../../infra/validation/optional';
import { PageBefore, PageLimit } from '../../infra/validation/paging';
import { SEVERITIES, type Severity } from '../alerts/alert-rule';
import { CHANNEL_KINDS, DELIVERY_EVENTS, DELIVERY_STATES, type ChannelKind, type DeliveryEvent, type DeliveryState } from './notification.entities';

export const MAX_DELIVERY_PAGE = 500;

export class ChannelDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: CHANNEL_KINDS, enumName: 'ChannelKind' }) kind!: ChannelKind;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: SEVERITIES, enumName: 'Severity', description: 'Incidents of this severity or worse are sent' }) minSeverity!: Severity;
  @ApiProperty({ type: String, nullable: true, example: 'https://hooks.example.com/…', description: "The receiver's scheme, host and port only: the URL (it often holds a token) is never shown again" })
  urlHint!: string | null;
  @ApiProperty({ description: 'webhook: bodies are signed (X-Meshping-Signature); the secret is never shown again' }) signed!: boolean;
  @ApiProperty({ type: [String] }) emailTo!: string[];
  @ApiProperty({ description: 'Epoch ms' }) createdAt!: number;
}

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateChannelDto {
  @ApiProperty({ minLength: 1, maxLength: 80, example: 'ops webhook' })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  @IsDisplayName()
  name!: string;

  @ApiProperty({ enum: CHANNEL_KINDS, enumName: 'ChannelKind', description: 'webhook: signed JSON; slack: a Slack-compatible incoming webhook; alertmanager: the base URL of a Prometheus Alertmanager (POST /api/v2/alerts); email: through MESHPING_SMTP_URL' })
  @IsIn(CHANNEL_KINDS)
  kind!: ChannelKind;

  @ApiPropertyOptional({ default: true, nullable: false })
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ enum: SEVERITIES, enumName: 'Severity', default: 'warning', nullable: false })
  @OptionalNotNull()
  @IsIn(SEVERITIES)
  minSeverity?: Severity;

  @ApiPropertyOptional({ maxLength: 2048, nullable: false, example: 'https://hooks.example.com/T000/B000/XXXX', description: 'http(s) URL of the receiver (not for email). Write-only: never returned' })
  @OptionalNotNull()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false, require_valid_protocol: true }, { message: 'url must be an http:// or https:// URL' })
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ type: String, minLength: 16, maxLength: 256, nullable: true, description: 'webhook: HMAC-SHA256 key for X-Meshping-Signature (sha256=<hex> of the body); null: unsigned. Write-only: never returned' })
  @ValidateIf((_o, v) => v !== undefined && v !== null)
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  secret?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: 20, nullable: false, description: 'email: recipients' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(20)
  @IsEmail({}, { each: true, message: 'each of emailTo must be an email address' })
  emailTo?: string[];
}

// skipNullProperties: false: a field left out is unchanged, a null one is still checked.
export class UpdateChannelDto extends PartialType(CreateChannelDto, { skipNullProperties: false }) {}

export class DeliveryDto {
  @ApiProperty() id!: number;
  @ApiProperty() channelId!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'null for a test' }) incidentId!: number | null;
  @ApiProperty({ enum: DELIVERY_EVENTS, enumName: 'DeliveryEvent' }) event!: DeliveryEvent;
  @ApiProperty({ enum: DELIVERY_STATES, enumName: 'DeliveryState', description: 'pending: will be (re)tried at nextAttemptAt; failed: given up after 24 h' }) state!: DeliveryState;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: Number, nullable: true }) nextAttemptAt!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'HTTP 503' }) lastError!: string | null;
  @ApiProperty() createdAt!: number;
  @ApiProperty({ type: Number, nullable: true }) deliveredAt!: number | null;
}

export class DeliveryQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, nullable: false })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2 ** 31 - 1)
  channelId?: number;

  @ApiPropertyOptional({ enum: DELIVERY_STATES, enumName: 'DeliveryState', nullable: false })
  @OptionalNotNull()
  @IsIn(DELIVERY_STATES)
  state?: DeliveryState;

  @PageBefore('deliveries')
  before?: number;

  @PageLimit(MAX_DELIVERY_PAGE)
  limit?: number;
}
