import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsString, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { IsDisplayName } from '../../infra/validation/display-name';
import { OptionalNotNull } from '../../infra/validation/optional';
import { RULE_LIMITS, RULE_METRICS, RULE_SCOPES, SEVERITIES, type AlertRule, type RuleMetric, type RuleScope, type Severity } from './alert-rule';

const L = RULE_LIMITS;
const blankToNull = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || null : value);
/** Optional and nullable: left out = unchanged (or the default), null = none. */
const Nullable = () => ValidateIf((_o, v) => v !== undefined && v !== null);
const IdField = (description: string) => applyDecorators(ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, description }), Nullable(), IsInt(), Min(1), Max(2 ** 31 - 1));
const GroupField = (description: string) =>
  applyDecorators(ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, description: `${description}; blank = none` }), Transform(blankToNull), Nullable(), IsString(), MaxLength(64), IsDisplayName());

export class AlertRuleDto implements AlertRule {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: 'Unreachable' }) name!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: RULE_METRICS, enumName: 'RuleMetric' }) metric!: RuleMetric;
  @ApiProperty({ type: Number, nullable: true }) threshold!: number | null;
  @ApiProperty({ type: Number, nullable: true }) percentile!: number | null;
  @ApiProperty({ type: Number, nullable: true }) windowSeconds!: number | null;
  @ApiProperty({ enum: RULE_SCOPES, enumName: 'RuleScope' }) scope!: RuleScope;
  @ApiProperty({ type: Number, nullable: true }) agentId!: number | null;
  @ApiProperty({ type: Number, nullable: true }) targetId!: number | null;
  @ApiProperty({ type: String, nullable: true }) agentGroup!: string | null;
  @ApiProperty({ type: String, nullable: true }) targetGroup!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Agents that must agree before a target is down; null: a majority' }) quorum!: number | null;
  @ApiProperty({ description: 'Also open incidents for single paths no larger cause explains' }) paths!: boolean;
  @ApiProperty({ description: 'Bad evaluations in a row (one every 5 s) before it fires' }) fireAfter!: number;
  @ApiProperty({ description: 'Good evaluations in a row before it resolves' }) resolveAfter!: number;
  @ApiProperty({ enum: SEVERITIES, enumName: 'Severity' }) severity!: Severity;
}

export class CreateAlertRuleDto {
  @ApiProperty({ minLength: 1, maxLength: 80, example: 'Core routers lossy', description: 'Unique; no control or format characters' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  @IsDisplayName()
  name!: string;

  @ApiPropertyOptional({ default: true, nullable: false })
  @OptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({
    enum: RULE_METRICS,
    enumName: 'RuleMetric',
    description:
      'loss_percent: lost samples over the window (threshold in %); consecutive_lost: no-replies in a row (threshold: how many); latency_percentile: the window\'s percentile RTT over threshold ms (null: each target\'s own latency threshold); agent_silent: an agent disconnected threshold seconds ago',
  })
  @IsIn(RULE_METRICS)
  metric!: RuleMetric;

  @ApiPropertyOptional({ type: Number, nullable: true, description: `loss_percent ${L.lossPercent.min}-${L.lossPercent.max}; consecutive_lost ${L.consecutive.min}-${L.consecutive.max} (integer); latency_percentile ${L.latencyMs.min}-${L.latencyMs.max} ms or null; agent_silent ${L.silentSeconds.min}-${L.silentSeconds.max} s (integer)` })
  @Nullable()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: L.percentile.min, maximum: L.percentile.max, description: 'latency_percentile only; default 95' })
  @Nullable()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(L.percentile.min)
  @Max(L.percentile.max)
  percentile?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: L.windowSeconds.min, maximum: L.windowSeconds.max, description: 'loss_percent and latency_percentile only (required for them)' })
  @Nullable()
  @IsInt()
  @Min(L.windowSeconds.min)
  @Max(L.windowSeconds.max)
  windowSeconds?: number | null;

  @ApiPropertyOptional({ enum: RULE_SCOPES, enumName: 'RuleScope', default: 'all', nullable: false, description: 'pair: agentId and targetId; target: targetId; agent: agentId; group: agentGroup and/or targetGroup' })
  @OptionalNotNull()
  @IsIn(RULE_SCOPES)
  scope?: RuleScope;

  @IdField('scope pair or agent: the agent')
  agentId?: number | null;

  @IdField('scope pair or target: the target')
  targetId?: number | null;

  @GroupField('scope group: the agents of this group')
  agentGroup?: string | null;

  @GroupField('scope group: the targets of this group')
  targetGroup?: string | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: L.quorum.min, maximum: L.quorum.max, description: 'Agents that must agree before a target is down; null: a majority of those that probe it' })
  @Nullable()
  @IsInt()
  @Min(L.quorum.min)
  @Max(L.quorum.max)
  quorum?: number | null;

  @ApiPropertyOptional({ default: false, nullable: false, description: 'Also open incidents for single paths (agent -> target) no larger cause explains; always on for scope pair' })
  @OptionalNotNull()
  @IsBoolean()
  paths?: boolean;

  @ApiPropertyOptional({ type: 'integer', minimum: L.streak.min, maximum: L.streak.max, default: 2, nullable: false, description: 'Bad evaluations in a row (one every 5 s) before it fires' })
  @OptionalNotNull()
  @IsInt()
  @Min(L.streak.min)
  @Max(L.streak.max)
  fireAfter?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: L.streak.min, maximum: L.streak.max, default: 3, nullable: false, description: 'Good evaluations in a row before it resolves' })
  @OptionalNotNull()
  @IsInt()
  @Min(L.streak.min)
  @Max(L.streak.max)
  resolveAfter?: number;

  @ApiPropertyOptional({ enum: SEVERITIES, enumName: 'Severity', default: 'warning', nullable: false })
  @OptionalNotNull()
  @IsIn(SEVERITIES)
  severity?: Severity;
}

// skipNullProperties: false: a field left out is unchanged, a null one is still checked.
export class UpdateAlertRuleDto extends PartialType(CreateAlertRuleDto, { skipNullProperties: false }) {}
