import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { OptionalNotNull } from '../../infra/validation/optional';
import { PageBefore, PageLimit } from '../../infra/validation/paging';
import { SEVERITIES, type Severity } from './alert-rule';
import type { CauseKind } from './engine/localise';
import type { IncidentEntity, IncidentState } from './incident.entity';

export const INCIDENT_KINDS = ['silent', 'agent', 'block', 'target', 'path'] as const satisfies readonly CauseKind[];
export const INCIDENT_STATES = ['open', 'resolved'] as const satisfies readonly IncidentState[];
export const MAX_INCIDENT_PAGE = 500;

export class IncidentSitesDto {
  @ApiProperty({ type: [String], description: 'Agent groups (sites) on the losing side' }) agents!: string[];
  @ApiProperty({ type: [String], description: 'The lost targets\' groups (a target without one: #id)' }) targets!: string[];
}

export class IncidentDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'target:7', description: 'The cause: target:<id>, agent:<id>, block:<sites>, path:<agent>:<target>, silent:<agent>. At most one open incident per cause' })
  causeKey!: string;
  @ApiProperty({
    enum: INCIDENT_KINDS,
    enumName: 'IncidentKind',
    description: 'silent: an agent disconnected; agent: one agent\'s whole row bad; block: agents of some sites lose targets others reach; target: a target bad for a quorum of agents; path: one agent -> target',
  })
  kind!: CauseKind;
  @ApiProperty({ enum: INCIDENT_STATES, enumName: 'IncidentState' }) state!: IncidentState;
  @ApiProperty({ enum: SEVERITIES, enumName: 'Severity' }) severity!: Severity;
  @ApiProperty({ example: 'Target core-1 (192.0.2.1) unreachable for 12 agents' }) title!: string;
  @ApiProperty({ type: [Number], description: 'The rules that fired for it' }) ruleIds!: number[];
  @ApiProperty({ type: [Number] }) agentIds!: number[];
  @ApiProperty({ type: [Number] }) targetIds!: number[];
  @ApiProperty({ type: IncidentSitesDto, nullable: true }) sites!: IncidentSitesDto | null;
  @ApiProperty({ description: 'How many pairs (agent -> target) it covers' }) pairCount!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'silent: epoch ms the agent was last heard from' }) since!: number | null;
  @ApiProperty({ description: 'Epoch ms' }) openedAt!: number;
  @ApiProperty({ description: 'Epoch ms of the last change' }) updatedAt!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Epoch ms' }) resolvedAt!: number | null;
  @ApiProperty({ description: 'Times what it covers changed while open' }) updates!: number;
  @ApiProperty({ description: 'Its opening was told to the notification channels; false while a maintenance window covered it (its resolution is then not told either)' })
  notified!: boolean;
}

export class IncidentDetailDto extends IncidentDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 },
    description: 'The pairs it covers as [agentId, targetId], at most 5,000 (pairCount has them all)',
  })
  pairs!: [number, number][];
}

export class IncidentQueryDto {
  @ApiPropertyOptional({ enum: INCIDENT_STATES, enumName: 'IncidentState', nullable: false })
  @OptionalNotNull()
  @IsIn(INCIDENT_STATES)
  state?: IncidentState;

  @ApiPropertyOptional({ enum: INCIDENT_KINDS, enumName: 'IncidentKind', nullable: false })
  @OptionalNotNull()
  @IsIn(INCIDENT_KINDS)
  kind?: CauseKind;

  @PageBefore('incidents')
  before?: number;

  @PageLimit(MAX_INCIDENT_PAGE)
  limit?: number;
}

export function toIncidentDto(i: IncidentEntity): IncidentDto {
  const { pairs: _pairs, ...rest } = i;
  return rest;
}
