import { applyDecorators, Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { DEFAULT_DORMANT_AFTER_SECONDS, MAX_DORMANT_AFTER_SECONDS, MIN_DORMANT_AFTER_SECONDS, MIN_LATENCY_THRESHOLD_MS, PROBE_TIMEOUT_MS } from '@meshping/protocol';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsString, Max, MaxLength, Min, Validate, ValidateIf, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { IsDecimal } from '../../infra/validation/decimal';
import { OptionalNotNull } from '../../infra/validation/optional';
import { Access } from '../access/access.decorator';
import { AccessArea } from '../access/access-area.decorator';
import { Caller } from '../access/request-context';
import { parseCidr } from '../targets/target-policy';
import { DEFAULT_TARGET_DENY_RANGES, MAX_RETENTION_HOURS, MAX_TARGET_RANGES, MIN_RETENTION_HOURS, SettingsService, type Settings } from './settings.service';

@ValidatorConstraint({ name: 'cidr' })
class Cidr implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseCidr(value) !== null;
  }
  defaultMessage(args?: ValidationArguments): string {
    return `${args?.property} must hold CIDR ranges like 192.0.2.0/24 or 2001:db8::/32 (${JSON.stringify(args?.value)} is not one)`;
  }
}

/** Each range in its canonical spelling (host bits cleared), so the stored list and the audit read the same. */
const canonicalRanges = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? value.map((r) => (typeof r === 'string' ? (parseCidr(r)?.text ?? r) : r)) : value;

const DORMANT_DOC =
  'Seconds without a reply from any agent before a target goes dormant: probed 30 s later, then 60, 120, 240 s apart, then every 5 min, until its first reply (0 = never; a target may set its own)';

const RANGES_DOC = 'CIDR ranges (IPv4 or IPv6, at most 64); they apply to IP-address targets when one is added or edited (not to hostnames, which agents resolve, nor to targets made from agents)';

/** An optional list of CIDR ranges (a target-policy setting), canonicalised; never null. */
function CidrList(what: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: [String], maxItems: MAX_TARGET_RANGES, nullable: false, description: `${what} ${RANGES_DOC}` }),
    OptionalNotNull(),
    IsArray(),
    ArrayMaxSize(MAX_TARGET_RANGES),
    IsString({ each: true }),
    MaxLength(49, { each: true }),
    Validate(Cidr, { each: true }),
    Transform(canonicalRanges),
  );
}

class SettingsDto implements Settings {
  @ApiProperty({ description: 'Approved agents become targets of every agent (full mesh)' }) fullMesh!: boolean;
  @ApiProperty({ description: 'Global latency threshold in ms: a slower reply is yellow in the grid (a target may override it)', example: 100 })
  latencyThresholdMs!: number;
  @ApiProperty({ description: 'Samples and gaps are kept this many hours (default MESHPING_RETENTION_HOURS, 24)', minimum: MIN_RETENTION_HOURS, maximum: MAX_RETENTION_HOURS })
  retentionHours!: number;
  @ApiProperty({ type: [String], example: DEFAULT_TARGET_DENY_RANGES, description: `No target address may be in these. ${RANGES_DOC}` })
  targetDenyRanges!: string[];
  @ApiProperty({ type: [String], example: [], description: `When not empty, every target address must be in one of these. ${RANGES_DOC}` })
  targetAllowRanges!: string[];
  @ApiProperty({ description: DORMANT_DOC, example: DEFAULT_DORMANT_AFTER_SECONDS })
  dormantAfterSeconds!: number;
}

class UpdateSettingsDto implements Partial<Settings> {
  @ApiPropertyOptional({ nullable: false })
  @OptionalNotNull()
  @IsBoolean()
  fullMesh?: boolean;

  @ApiPropertyOptional({ minimum: MIN_LATENCY_THRESHOLD_MS, maximum: PROBE_TIMEOUT_MS, nullable: false })
  @OptionalNotNull()
  @IsDecimal(3, { message: 'latencyThresholdMs must be a number of milliseconds with at most 3 decimal places' })
  @Min(MIN_LATENCY_THRESHOLD_MS)
  @Max(PROBE_TIMEOUT_MS, { message: `latencyThresholdMs must not exceed the probe timeout (${PROBE_TIMEOUT_MS} ms)` })
  latencyThresholdMs?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: MIN_RETENTION_HOURS, maximum: MAX_RETENTION_HOURS, nullable: false, description: 'Hours of samples to keep; older data is deleted within minutes' })
  @OptionalNotNull()
  @IsInt()
  @Min(MIN_RETENTION_HOURS)
  @Max(MAX_RETENTION_HOURS)
  retentionHours?: number;

  @CidrList('Replaces the deny list.')
  targetDenyRanges?: string[];

  @CidrList('Replaces the allow list ([] = every address not denied).')
  targetAllowRanges?: string[];

  @ApiPropertyOptional({ type: 'integer', nullable: false, description: `${DORMANT_DOC}: 0, or ${MIN_DORMANT_AFTER_SECONDS} to ${MAX_DORMANT_AFTER_SECONDS}` })
  @OptionalNotNull()
  @IsInt({ message: 'dormantAfterSeconds must be a whole number of seconds (0 = never)' })
  @ValidateIf((_o, v) => v !== 0)
  @Min(MIN_DORMANT_AFTER_SECONDS, { message: `dormantAfterSeconds must be 0 (never) or at least ${MIN_DORMANT_AFTER_SECONDS}` })
  @Max(MAX_DORMANT_AFTER_SECONDS, { message: `dormantAfterSeconds must not exceed ${MAX_DORMANT_AFTER_SECONDS} (7 days)` })
  dormantAfterSeconds?: number;
}

@ApiTags('settings')
@AccessArea('settings')
@Controller('settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOperation({ operationId: 'getSettings', summary: 'Mesh-wide settings: full mesh, latency threshold, retention, target address policy' })
  @Access('viewer')
  @ApiOkResponse({ type: SettingsDto })
  get(): Promise<SettingsDto> {
    return this.settings.get();
  }

  @Patch()
  @ApiOperation({ operationId: 'updateSettings', summary: 'Change some settings; fields left out keep their value' })
  @Access('admin')
  @ApiOkResponse({ type: SettingsDto })
  update(@Body() dto: UpdateSettingsDto, @Caller() caller: Caller): Promise<SettingsDto> {
    return this.settings.update(dto, caller.actor, caller.source);
  }
}
