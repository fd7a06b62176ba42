import { BadRequestException, Controller, Get, Inject, Param, ParseIntPipe, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { Response } from 'express';
import { AgentsService } from '../agents/agents.service';
import { Access } from '../access/access.decorator';
import { AccessArea } from '../access/access-area.decorator';
import { TargetsService } from '../targets/targets.service';
import { GridDto, SampleDto } from './grid.dto';
import { MonitoringService } from './monitoring.service';
import { MAX_WINDOW_MS, PairQueryDto, PairSeriesDto, PairSeriesQueryDto, PairStatsDto, PairWindowDto, QUERY_SKEW_MS } from './pair-query.dto';

const HOUR_MS = 3_600_000;

@ApiTags('monitoring')
@AccessArea('monitoring')
@Controller()
export class MonitoringController {
  constructor(
    private readonly monitoring: MonitoringService,
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('grid')
  @ApiOperation({ operationId: 'getGrid', summary: 'The live grid: agents, targets and the newest result of every pair' })
  @Access('viewer')
  @ApiOkResponse({ type: GridDto, description: 'The latest state of every cell of the agents x targets grid' })
  async grid(): Promise<GridDto> {
    return { agents: await this.agents.list(), targets: this.targets.views(), cells: this.monitoring.snapshotCells() };
  }

  @Get('pairs/:agentId/:targetId/samples')
  @ApiOperation({ operationId: 'listPairSamples', summary: 'Raw results of one agent-target pair since a time' })
  @Access('viewer')
  @ApiOkResponse({ type: [SampleDto], description:
      "One pair's raw samples since a time (default: the last hour), in time order. For charts and figures prefer `series` and `stats`: downsampled, bounded in size, and with the agent's gaps (24 h of raw samples is 17,280 per pair)",
  })
  async samples(
    @Param('agentId', ParseIntPipe) agentId: number,
    @Param('targetId', ParseIntPipe) targetId: number,
    @Query() query: PairQueryDto,
  ): Promise<SampleDto[]> {
    const now = this.clock.now();
    const since = query.since ?? now - HOUR_MS;
    this.notAhead('since', since, now);
    // The same bound as a window: a month of raw samples is the most one answer holds.
    if (since < now - MAX_WINDOW_MS) throw new BadRequestException([`since must be at most ${MAX_WINDOW_MS / HOUR_MS} hours ago`]);
    const { at, rtt } = await this.monitoring.pairSince(agentId, targetId, since);
    return at.map((t, i) => ({ at: t, rtt: rtt[i] }));
  }

  @Get('pairs/:agentId/:targetId/series')
  @ApiOperation({ operationId: 'getPairSeries', summary: "A pair's history in fixed steps (count, loss, min/avg/max RTT) with its gaps" })
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
  @ApiOperation({ operationId: 'getPairStats', summary: "A pair's loss, RTT percentiles and jitter over a time range" })
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

  /** The DTO bounds each time alone; these rules need the clock and each other. Messages name the field, like the DTO's. */
  private window(query: PairWindowDto): { from: number; to: number } {
    const now = this.clock.now();
    const to = query.to ?? now;
    const from = query.from ?? to - HOUR_MS;
    this.notAhead('to', to, now);
    if (from >= to) throw new BadRequestException(['from must be before to']);
    if (to - from > MAX_WINDOW_MS) throw new BadRequestException([`from must be at most ${MAX_WINDOW_MS / HOUR_MS} hours before to`]);
    return { from, to };
  }

  private notAhead(field: string, at: number, now: number): void {
    if (at > now + QUERY_SKEW_MS) {
      throw new BadRequestException([`${field} must not be more than ${QUERY_SKEW_MS / 60_000} minutes ahead of the server's clock (now ${now})`]);
    }
  }
}

/** Tells the client how long the query itself took (Server-Timing: shown by browsers' dev tools, read by the benchmark). */
async function timed<T>(res: Response, work: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  const result = await work();
  res.setHeader('Server-Timing', `query;dur=${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(3)}`);
  return result;
}
