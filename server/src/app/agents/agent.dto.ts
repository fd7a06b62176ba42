import { ApiProperty } from '@nestjs/swagger';
import { AGENT_STATES, type AgentState } from '@meshping/protocol';
import type { AgentView } from './agents.service';

export class AgentDto implements AgentView {
  @ApiProperty({ example: 1, description: "Agent id (stable for the agent's key)" }) id!: number;
  @ApiProperty({ example: 'probe-01', description: 'Host name the agent reported' }) hostname!: string;
  @ApiProperty({ enum: AGENT_STATES, example: 'approved', description: 'pending: waits for approval; approved: results stored; hold: approved, but connected from a new address that needs approving again; rejected: refused' }) state!: AgentState;
  @ApiProperty({ description: 'Connected to this server now (approved, pending or on hold)' }) online!: boolean;
  @ApiProperty({ description: "The server's own agent (started beside it)" }) local!: boolean;
  @ApiProperty({ example: '0.1.0', description: 'Agent software version' }) version!: string;
  @ApiProperty({ type: [String], example: ['192.0.2.10'], description: 'Addresses the agent reported' }) addresses!: string[];
  @ApiProperty({ type: String, nullable: true, description: 'Source address it connects from (the approved one, or the new one while on hold)' })
  ip!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Epoch ms of the last sign of life' })
  lastSeenAt!: number | null;
}
