import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsDisplayName } from '../../infra/validation/display-name';
import { AGENT_STATES, type AgentState } from '@meshping/protocol';
import type { AgentView } from './agents.service';

export class AgentDto implements AgentView {
  @ApiProperty({ example: 1, description: "Agent id (stable for the agent's key)" }) id!: number;
  @ApiProperty({ example: 'probe-01', description: 'Host name the agent reported' }) hostname!: string;
  @ApiProperty({ enum: AGENT_STATES, example: 'approved', description: 'pending: waits for approval; approved: results stored; hold: approved, but connected from a new address that needs approving again; rejected: refused' }) state!: AgentState;
  @ApiProperty({ description: 'Connected to this server now (approved, pending or on hold)' }) online!: boolean;
  @ApiProperty({ description: "The server's own agent (started beside it)" }) local!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'tokyo-1', description: 'Its group; an agent group and a target group of the same name are one site (block incidents)' })
  group!: string | null;
  @ApiProperty({ example: '0.1.0', description: 'Agent software version' }) version!: string;
  @ApiProperty({ type: [String], example: ['192.0.2.10'], description: 'Addresses the agent reported' }) addresses!: string[];
  @ApiProperty({ type: String, nullable: true, description: 'Source address it connects from (the approved one, or the new one while on hold)' })
  ip!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Epoch ms of the last sign of life' })
  lastSeenAt!: number | null;
}

const blankToNull = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || null : value);

export class UpdateAgentDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, example: 'tokyo-1', description: 'Its group; trimmed, blank or null = none. No control or format characters' })
  @IsOptional()
  @Transform(blankToNull)
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(64)
  @IsDisplayName()
  group?: string | null;
}
