import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { checkTargetAddress, MAX_DORMANT_AFTER_SECONDS, MIN_DORMANT_AFTER_SECONDS, MIN_LATENCY_THRESHOLD_MS, NOT_AN_ADDRESS, PROBE_TIMEOUT_MS } from '@meshping/protocol';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MaxLength, MinLength, Validate, ValidateIf, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { IsDecimal } from '../../infra/validation/decimal';
import { IsDisplayName } from '../../infra/validation/display-name';
import type { TargetView } from './target-view';

export class TargetDto implements TargetView {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: '192.0.2.1', description: 'IPv4 or IPv6 address, or hostname' }) address!: string;
  @ApiProperty({ type: String, nullable: true, example: 'core router' }) name!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'datacenter-1' }) group!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 20, description: 'Latency threshold in ms for this target; null = the global one (settings)' })
  latencyThresholdMs!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: null, description: 'Epoch ms it went dormant: no reply from any agent for its dormant time, so every agent probes it on the back-off schedule (30 s, then 60, 120, 240 s apart, then every 5 min) until its first reply; null while awake' })
  dormantSince!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: null, description: 'Seconds without any reply before it goes dormant; null = the setting dormantAfterSeconds; 0 = never' })
  dormantAfterSeconds!: number | null;
}

/** The same rule agents, the server and the web app apply (libs/protocol); the service stores the canonical form. */
@ValidatorConstraint({ name: 'targetAddress' })
class TargetAddress implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && checkTargetAddress(value).ok;
  }
  defaultMessage(args?: ValidationArguments): string {
    const r = typeof args?.value === 'string' ? checkTargetAddress(args.value) : null;
    return `address ${r && !r.ok ? r.reason : NOT_AN_ADDRESS}`;
  }
}

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const blankToNull = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || null : value);

export class CreateTargetDto {
  @ApiProperty({
    example: '192.0.2.1',
    minLength: 1,
    maxLength: 253,
    description:
      'IPv4 or IPv6 address, or hostname; stored in canonical form (RFC 5952, IPv4-mapped as IPv4, hostnames lower case without the trailing dot). Refused: unspecified, broadcast, multicast and reserved addresses, numeric-looking hostnames (0x7f000001, 127.1), and addresses the settings targetDenyRanges / targetAllowRanges exclude',
  })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  @Validate(TargetAddress)
  address!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 120, description: 'Trimmed; blank = none. No control or format characters (e.g. NUL, U+202E)' })
  @IsOptional()
  @Transform(blankToNull)
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(120)
  @IsDisplayName()
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, description: 'Trimmed; blank = none. No control or format characters (e.g. NUL, U+202E)' })
  @IsOptional()
  @Transform(blankToNull)
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(64)
  @IsDisplayName()
  group?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: MIN_LATENCY_THRESHOLD_MS, maximum: PROBE_TIMEOUT_MS, description: 'Latency threshold in ms; null = the global one' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsDecimal(3, { message: 'latencyThresholdMs must be a number of milliseconds with at most 3 decimal places' })
  @Min(MIN_LATENCY_THRESHOLD_MS)
  @Max(PROBE_TIMEOUT_MS, { message: `latencyThresholdMs must not exceed the probe timeout (${PROBE_TIMEOUT_MS} ms)` })
  latencyThresholdMs?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 900, description: `Seconds without any reply from any agent before it goes dormant (probed on the back-off schedule): 0 = never, else ${MIN_DORMANT_AFTER_SECONDS} to ${MAX_DORMANT_AFTER_SECONDS}; null = the setting dormantAfterSeconds` })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null && v !== 0)
  @IsInt({ message: 'dormantAfterSeconds must be a whole number of seconds (0 = never, null = the setting)' })
  @Min(MIN_DORMANT_AFTER_SECONDS, { message: `dormantAfterSeconds must be 0 (never) or at least ${MIN_DORMANT_AFTER_SECONDS}` })
  @Max(MAX_DORMANT_AFTER_SECONDS, { message: `dormantAfterSeconds must not exceed ${MAX_DORMANT_AFTER_SECONDS} (7 days)` })
  dormantAfterSeconds?: number | null;
}

// skipNullProperties: false makes a left-out field optional but a null one still checked (address: null is a 400).
export class UpdateTargetDto extends PartialType(CreateTargetDto, { skipNullProperties: false }) {}

/** PUT /api/targets/self: the address defaults to the address the request comes from. */
export class SelfRegisterDto extends PartialType(CreateTargetDto, { skipNullProperties: false }) {}
