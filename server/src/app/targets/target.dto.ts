import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { MIN_LATENCY_THRESHOLD_MS, PROBE_TIMEOUT_MS, targetAddressSchema } from '@meshping/protocol';
import { Transform } from 'class-transformer';
import { IsNumber, IsOptional, IsString, Max, Min, MaxLength, Validate, ValidateIf, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import type { TargetView } from './targets.service';

export class TargetDto implements TargetView {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: '192.0.2.1', description: 'IPv4 or IPv6 address, or hostname' }) address!: string;
  @ApiProperty({ type: String, nullable: true, example: 'core router' }) name!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'datacenter-1' }) group!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 20, description: 'Latency threshold in ms for this target; null = the global one (settings)' })
  latencyThresholdMs!: number | null;
}

/** The same rule agents, the server and the web app apply (libs/protocol). */
@ValidatorConstraint({ name: 'targetAddress' })
class TargetAddress implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && targetAddressSchema.safeParse(value).success;
  }
  defaultMessage(): string {
    return 'address must be an IPv4 address, an IPv6 address or a hostname';
  }
}

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const blankToNull = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || null : value);

export class CreateTargetDto {
  @ApiProperty({ example: '192.0.2.1', description: 'IPv4 or IPv6 address, or hostname' })
  @Transform(trim)
  @IsString()
  @MaxLength(253)
  @Validate(TargetAddress)
  address!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 120 })
  @IsOptional()
  @Transform(blankToNull)
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(120)
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64 })
  @IsOptional()
  @Transform(blankToNull)
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(64)
  group?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: MIN_LATENCY_THRESHOLD_MS, maximum: PROBE_TIMEOUT_MS, description: 'Latency threshold in ms; null = the global one' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 }, { message: 'latencyThresholdMs must be a number of milliseconds' })
  @Min(MIN_LATENCY_THRESHOLD_MS)
  @Max(PROBE_TIMEOUT_MS, { message: `latencyThresholdMs must not exceed the probe timeout (${PROBE_TIMEOUT_MS} ms)` })
  latencyThresholdMs?: number | null;
}

export class UpdateTargetDto extends PartialType(CreateTargetDto) {}

/** PUT /api/targets/self: the address defaults to the address the request comes from. */
export class SelfRegisterDto extends PartialType(CreateTargetDto) {}
