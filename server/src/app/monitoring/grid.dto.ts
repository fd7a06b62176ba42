import { ApiProperty } from '@nestjs/swagger';
import { CELL_STRIDE } from '@meshping/protocol';
import { AgentDto } from '../agents/agent.dto';
import { TargetDto } from '../targets/target.dto';

export class GridDto {
  @ApiProperty({ type: [AgentDto], description: "The grid's rows" }) agents!: AgentDto[];
  @ApiProperty({ type: [TargetDto], description: "The grid's columns" }) targets!: TargetDto[];
  @ApiProperty({
    type: [Number],
    description: `Latest sample of every cell, flat in groups of ${CELL_STRIDE}: agentId, targetId, at (epoch ms), rtt (µs; -1 no reply, -2 unresolved, -3 send error)`,
  })
  cells!: number[];
}

export class SampleDto {
  @ApiProperty({ description: 'Probe time, epoch ms', example: 1796299200000 }) at!: number;
  @ApiProperty({ description: 'RTT in µs; -1 no reply, -2 unresolved, -3 send error', example: 1045 }) rtt!: number;
}
