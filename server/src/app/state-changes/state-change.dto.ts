import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CELL_STATE_NAMES, type CellStateName } from '@meshping/protocol';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { OptionalNotNull } from '../../infra/validation/optional';
import { PageBefore, PageLimit } from '../../infra/validation/paging';
import { QueryTime, TIME_BOUNDS } from '../../infra/validation/query-time';
import type { StateChangeRow } from './state-changes.repository';
import { STATE_CHANGE_KINDS, type StateChangeKind } from './transition-buffer';

export const MAX_STATE_CHANGE_PAGE = 500;
/** The pair's hover shows this many at most. */
export const MAX_PAIR_STATE_CHANGES = 20;

const STATE_MEANING =
  'silent: no fresh data (grey); up: replies within the threshold (green); degraded: replies over it (yellow); down: no reply (red). ' +
  "A target's or agent's state is what a majority of its cells with fresh data at least show (docs/operations.md)";

function OptionalId(what: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, nullable: false, description: what }),
    OptionalNotNull(),
    Type(() => Number),
    IsInt({ message: '$property must be an integer id' }),
    Min(1),
    Max(2 ** 31 - 1),
  );
}

export class StateChangeDto {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: STATE_CHANGE_KINDS, enumName: 'StateChangeKind', description: 'pair: one agent -> target cell; target: a column; agent: a row' })
  kind!: StateChangeKind;
  @ApiProperty({ type: Number, nullable: true, description: 'The agent (pair, agent); null for a target' }) agentId!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'The target (pair, target); null for an agent' }) targetId!: number | null;
  @ApiProperty({ enum: CELL_STATE_NAMES, enumName: 'SubjectState', description: `The state before. ${STATE_MEANING}` }) from!: CellStateName;
  @ApiProperty({ enum: CELL_STATE_NAMES, enumName: 'SubjectState', description: 'The state after' }) to!: CellStateName;
  @ApiProperty({ description: 'Epoch ms: the probe time of the sample that caused it; for a change to silent, when the data went stale or the agent disconnected' })
  at!: number;
}

export class StateChangeQueryDto {
  @ApiPropertyOptional({ enum: STATE_CHANGE_KINDS, enumName: 'StateChangeKind', nullable: false })
  @OptionalNotNull()
  @IsIn(STATE_CHANGE_KINDS)
  kind?: StateChangeKind;

  @OptionalId('Only about this agent (its row and its pairs)')
  agentId?: number;

  @OptionalId('Only about this target (its column and its pairs)')
  targetId?: number;

  @ApiPropertyOptional({ enum: CELL_STATE_NAMES, enumName: 'SubjectState', nullable: false, description: 'Only changes to this state' })
  @OptionalNotNull()
  @IsIn(CELL_STATE_NAMES)
  state?: CellStateName;

  @ApiPropertyOptional({ type: 'integer', nullable: false, description: `Only changes at or after this time. ${TIME_BOUNDS}` })
  @QueryTime()
  from?: number;

  @ApiPropertyOptional({ type: 'integer', nullable: false, description: `Only changes before this time (exclusive). ${TIME_BOUNDS}` })
  @QueryTime()
  to?: number;

  @PageBefore('changes')
  before?: number;

  @PageLimit(MAX_STATE_CHANGE_PAGE)
  limit?: number;
}

export class PairStateChangeQueryDto {
  @PageLimit(MAX_PAIR_STATE_CHANGES, 5)
  limit?: number;
}

export function toStateChangeDto(r: StateChangeRow): StateChangeDto {
  return r;
}
