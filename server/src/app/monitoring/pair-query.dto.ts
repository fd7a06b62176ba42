import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { OptionalNotNull } from '../../infra/validation/optional';
import { EXPORT_FORMATS, type ExportFormat } from '../../infra/export/table-export';
import { EARLIEST_QUERY_MS, LATEST_QUERY_MS, QueryTime, TIME_BOUNDS } from '../../infra/validation/query-time';

export { EARLIEST_QUERY_MS, LATEST_QUERY_MS, QUERY_SKEW_MS } from '../../infra/validation/query-time';

const HOUR_MS = 3_600_000;
/** The longest window one request may ask for (a month; retention bounds what is there). */
export const MAX_WINDOW_MS = 31 * 24 * HOUR_MS;

export class PairQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: EARLIEST_QUERY_MS,
    maximum: LATEST_QUERY_MS,
    nullable: false,
    description: `${TIME_BOUNDS}, and at most ${MAX_WINDOW_MS / HOUR_MS} hours ago; default: one hour ago`,
  })
  @QueryTime()
  since?: number;
}

/** A window [from, to) of one pair; both default relative to now. */
export class PairWindowDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: EARLIEST_QUERY_MS,
    maximum: LATEST_QUERY_MS,
    nullable: false,
    description: `Start. ${TIME_BOUNDS}; before \`to\`, at most ${MAX_WINDOW_MS / HOUR_MS} hours before it; default: one hour before \`to\`. Data older than the retention window is gone.`,
  })
  @QueryTime()
  from?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: EARLIEST_QUERY_MS, maximum: LATEST_QUERY_MS, nullable: false, description: `End (exclusive). ${TIME_BOUNDS}; default: now` })
  @QueryTime()
  to?: number;
}

export class PairSeriesQueryDto extends PairWindowDto {
  @ApiPropertyOptional({ type: 'integer', nullable: false, description: 'At most this many points (equal spans of the window, never narrower than the 5 s probe interval)', default: 360, minimum: 1, maximum: 5000 })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  points?: number;
}

export class PairExportQueryDto extends PairWindowDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'csv', nullable: false, description: 'csv: RFC 4180 with a header line, CRLF; json: an array of objects' })
  @OptionalNotNull()
  @IsIn(EXPORT_FORMATS, { message: `format must be one of: ${EXPORT_FORMATS.join(', ')}` })
  format?: ExportFormat;
}

export class GapDto {
  @ApiProperty({ description: 'Start, epoch ms', example: 1796299200000 }) from!: number;
  @ApiProperty({ description: 'End (exclusive), epoch ms', example: 1796299500000 }) to!: number;
  @ApiProperty({
    enum: ['dropped', 'disconnected'],
    description: 'Why the agent delivered nothing: it had to drop results (its buffer was full), or it was disconnected and nothing was resent. Shown as "agent connection problem", never as "no reply".',
  })
  reason!: 'dropped' | 'disconnected';
  @ApiProperty({ type: Number, nullable: true, description: 'Results the agent reported dropped (dropped only)' }) samples!: number | null;
}

export class SeriesPointDto {
  @ApiProperty({ description: 'Start of the span, epoch ms', example: 1796299200000 }) at!: number;
  @ApiProperty({ description: 'Samples in the span', example: 12 }) count!: number;
  @ApiProperty({ description: 'Probes without an echo reply', example: 1 }) noReply!: number;
  @ApiProperty({ description: 'Probes the agent could not make (unresolved, send error)' }) errors!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Fastest reply, µs', example: 812 }) minUs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean reply, µs', example: 1045 }) avgUs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Slowest reply, µs', example: 2310 }) maxUs!: number | null;
}

export class PairSeriesDto {
  @ApiProperty({ description: 'Start of the window, epoch ms', example: 1796212800000 }) from!: number;
  @ApiProperty({ description: 'End of the window (exclusive), epoch ms', example: 1796299200000 }) to!: number;
  @ApiProperty({ description: 'Width of each point, ms', example: 240000 }) step!: number;
  @ApiProperty({ type: [SeriesPointDto], description: 'Spans with samples, in time order; spans without samples are left out' }) points!: SeriesPointDto[];
  @ApiProperty({ type: [GapDto], description: 'Spans in which the agent delivered nothing, in time order' }) gaps!: GapDto[];
}

export class PairStatsDto {
  @ApiProperty({ description: 'Start of the window, epoch ms', example: 1796212800000 }) from!: number;
  @ApiProperty({ description: 'End of the window (exclusive), epoch ms', example: 1796299200000 }) to!: number;
  @ApiProperty({ description: 'Samples in the window, whatever their outcome', example: 17280 }) count!: number;
  @ApiProperty({ description: 'Probes answered by an echo reply', example: 17251 }) replies!: number;
  @ApiProperty({ description: 'Probes without an echo reply within the 3-s timeout', example: 29 }) noReply!: number;
  @ApiProperty({ description: 'Unresolved name or send error: a problem of the agent, not loss' }) errors!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'noReply / (replies + noReply), percent' }) lossPercent!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Time of the newest sample, epoch ms' }) lastAt!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Newest sample: RTT in µs, or -1 no reply, -2 unresolved, -3 send error' }) lastRttUs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Fastest reply, µs (null without replies)', example: 640 }) minUs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean reply, µs', example: 1045 }) avgUs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Slowest reply, µs', example: 48210 }) maxUs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Median reply, µs (nearest rank)' }) p50Us!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '95th percentile reply, µs (nearest rank)' }) p95Us!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean absolute difference of consecutive replies, µs' }) jitterUs!: number | null;
  @ApiProperty({ type: [GapDto], description: 'Spans in which the agent delivered nothing (not counted as loss)' }) gaps!: GapDto[];
}
