import { BadRequestException, Controller, Get, Inject, Param, ParseIntPipe, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { Response } from 'express';
import { AgentsService } from '../agents/agents.service';
import { Access } from '../auth/access.decorator';
import { TargetsService } from '../targets/targets.service';
import { GridDto, SampleDto } from './grid.dto';
import { MonitoringService } from './monitoring.service';
import { PairQueryDto, PairSeriesDto, PairSeriesQueryDto, PairStatsDto, PairWindowDto } from './pair-query.dto';

const HOUR_MS = 3_600_000;
/** The longest window one request may ask for (a month; retention bounds what is there). */
const MAX_WINDOW_MS = 31 * 24 * HOUR_MS;

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
  @ApiOkResponse({ type: [SampleDto], description:
      "One pair's raw samples since a time (default: the last hour), in time order. For charts and figures prefer `series` and `stats`: downsampled, bounded in size, and with the agent's gaps (24 h of raw samples is 17,280 per pair)",
  })
  async samples(
    @Param('agentId', ParseIntPipe) agentId: number,
    @Param('targetId', ParseIntPipe) targetId: number,
    @Query() query: PairQueryDto,
  ): Promise<SampleDto[]> {
    const since = query.since ?? this.clock.now() - HOUR_MS;
    const { at, rtt } = await this.monitoring.pairSince(agentId, targetId, since);
    return at.map((t, i) => ({ at: t, rtt: rtt[i] }));
  }

  @Get('pairs/:agentId/:targetId/series')
  @Access('viewer')
  @ApiOkResponse({ type: PairSeriesDto, description: "One pair's series over a window, downsampled to at most `points` points, with the agent's gaps" })
  series(
    @Param('agentId', ParseIntPipe) agentId: number,
    @Param('targetId', ParseIntPipe) targetId: number,
    @Query() query: PairSeriesQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PairSeriesDto> {
    const { from, to } = this.window(query);
    return timed(res, () => this.monitoring.series(agentId, targetId, from, to, query.points ?? 360));
  }

  @Get('pairs/:agentId/:targetId/stats')
  @Access('viewer')
  @ApiOkResponse({ type: PairStatsDto, description: 'Last RTT, loss, min/avg/max, p50/p95, jitter and sample count of one pair over a window' })
  stats(
    @Param('agentId', ParseIntPipe) agentId: number,
    @Param('targetId', ParseIntPipe) targetId: number,
    @Query() query: PairWindowDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PairStatsDto> {
    const { from, to } = this.window(query);
    return timed(res, () => this.monitoring.stats(agentId, targetId, from, to));
  }

  private window(query: PairWindowDto): { from: number; to: number } {
    const to = query.to ?? this.clock.now();
    const from = query.from ?? to - HOUR_MS;
    if (from >= to) throw new BadRequestException('from must be before to');
    if (to - from > MAX_WINDOW_MS) throw new BadRequestException(`the window may span at most ${MAX_WINDOW_MS / HOUR_MS} hours`);
    return { from, to };
  }
}

/** Tells the client how long the query itself took (Server-Timing: shown by browsers' dev tools, read by the benchmark). */
async function timed<T>(res: Response, work: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  const result = await work();
  res.setHeader('Server-Timing', `query;dur=${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(3)}`);
  return result;
}
