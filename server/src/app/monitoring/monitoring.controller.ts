import { BadRequestException, Controller, Get, Inject, Param, ParseIntPipe, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiExtraModels, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { Response } from 'express';
import { AgentsService } from '../agents/agents.service';
import { streamExport } from '../../infra/export/table-export';
import { notAhead, resolveWindow } from '../../infra/validation/query-time';
import { Access } from '../access/access.decorator';
import { AccessArea } from '../access/access-area.decorator';
import { TargetsService } from '../targets/targets.service';
import { GridDto, SampleDto } from './grid.dto';
import { MonitoringService } from './monitoring.service';
import { ExportedSampleDto, SAMPLE_COLUMNS, samplesIn } from './pair-export';
import { MAX_WINDOW_MS, PairExportQueryDto, PairQueryDto, PairSeriesDto, PairSeriesQueryDto, PairStatsDto, PairWindowDto } from './pair-query.dto';

const HOUR_MS = 3_600_000;

@ApiTags('monitoring')
@AccessArea('monitoring')
@ApiExtraModels(ExportedSampleDto)
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
    notAhead('since', since, now);
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

  @Get('pairs/:agentId/:targetId/export')
  @Access('viewer')
  @ApiOperation({ operationId: 'exportPairSamples', summary: "Downloads one pair's raw samples over a window as CSV or JSON, streamed" })
  @ApiProduces('text/csv', 'application/json')
  @ApiOkResponse({
    description:
      "The pair's samples with from <= at < to, oldest first, as an attachment named meshping-<agent hostname>-<target address>-<from>-<to>.<format>. " +
      'CSV: RFC 4180, header `at_iso,at_ms,rtt_us,status`, CRLF; JSON: an array of the same fields in camelCase. ' +
      "Gaps (the agent's connection problems) are not rows: read them from `series` or `stats`. A read that fails midway cuts the connection (never a short file that looks whole).",
    content: {
      'text/csv': { schema: { type: 'string' }, example: 'at_iso,at_ms,rtt_us,status\r\n2026-12-03T12:00:05.000Z,1796299205000,1250,reply\r\n2026-12-03T12:00:10.000Z,1796299210000,,no_reply\r\n' },
      'application/json': { schema: { type: 'array', items: { $ref: getSchemaPath(ExportedSampleDto) } } },
    },
  })
  @ApiBadRequestResponse({ description: 'A bad id, from, to or format (the message names the field)' })
  @ApiNotFoundResponse({ description: 'No agent or no target with that id' })
  async exportSamples(
    @Param('agentId', ParseIntPipe) agentId: number,
    @Param('targetId', ParseIntPipe) targetId: number,
    @Query() query: PairExportQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    const { from, to } = this.window(query);
    const format = query.format ?? 'csv';
    const { hostname, address, pages } = await this.monitoring.exportPair(agentId, targetId, from, to);
    await streamExport(res, { what: 'pair-samples', format, fileName: `meshping-${hostname}-${address}-${from}-${to}`, columns: SAMPLE_COLUMNS, pages, rowsIn: samplesIn });
  }

  /** The DTO bounds each time alone; these rules need the clock and each other. */
  private window(query: PairWindowDto): { from: number; to: number } {
    return resolveWindow(query, this.clock.now(), MAX_WINDOW_MS);
  }
}

/** Tells the client how long the query itself took (Server-Timing: shown by browsers' dev tools, read by the benchmark). */
async function timed<T>(res: Response, work: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  const result = await work();
  res.setHeader('Server-Timing', `query;dur=${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(3)}`);
  return result;
}
