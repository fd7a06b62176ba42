import { Controller, Get, Inject, Param, ParseIntPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { AgentsService } from '../agents/agents.service';
import { Access } from '../auth/access.decorator';
import { TargetsService } from '../targets/targets.service';
import { GridDto, SampleDto } from './grid.dto';
import { MonitoringService } from './monitoring.service';
import { PairQueryDto } from './pair-query.dto';

const HOUR_MS = 3_600_000;

@ApiTags('monitoring')
@Controller()
export class MonitoringController {
  constructor(
    private readonly monitoring: MonitoringService,
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('grid')
  @Access('viewer')
  @ApiOkResponse({ type: GridDto, description: 'The latest state of every cell of the agents x targets grid' })
  async grid(): Promise<GridDto> {
    return { agents: await this.agents.list(), targets: this.targets.views(), cells: this.monitoring.snapshotCells() };
  }

  @Get('pairs/:agentId/:targetId/samples')
  @Access('viewer')
  @ApiOkResponse({ type: [SampleDto], description: "One pair's samples since a time (default: the last hour)" })
  async samples(
    @Param('agentId', ParseIntPipe) agentId: number,
    @Param('targetId', ParseIntPipe) targetId: number,
    @Query() query: PairQueryDto,
  ): Promise<SampleDto[]> {
    const since = query.since ?? this.clock.now() - HOUR_MS;
    return (await this.monitoring.pairSince(agentId, targetId, since)).map(({ at, rtt }) => ({ at, rtt }));
  }
}
