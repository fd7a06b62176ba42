import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class PairQueryDto {
  @ApiPropertyOptional({ description: 'Epoch ms; default: one hour ago' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  since?: number;
}

/** A window [from, to) of one pair; both default relative to now. */
export class PairWindowDto {
  @ApiPropertyOptional({ description: 'Start, epoch ms; default: one hour before `to`. Data older than the retention window is gone.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  from?: number;

  @ApiPropertyOptional({ description: 'End (exclusive), epoch ms; default: now' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  to?: number;
}

export class PairSeriesQueryDto extends PairWindowDto {
  @ApiPropertyOptional({ description: 'At most this many points (equal spans of the window, never narrower than the 5 s probe interval)', default: 360, minimum: 1, maximum: 5000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  points?: number;
}

export class GapDto {
  @ApiProperty({ description: 'Start, epoch ms' }) from!: number;
  @ApiProperty({ description: 'End (exclusive), epoch ms' }) to!: number;
  @ApiProperty({
    enum: ['dropped', 'disconnected'],
    description: 'Why the agent delivered nothing: it had to drop results (its buffer was full), or it was disconnected and nothing was resent. Shown as "agent connection problem", never as "no reply".',
  })
  reason!: 'dropped' | 'disconnected';
  @ApiProperty({ type: Number, nullable: true, description: 'Results the agent reported dropped (dropped only)' }) samples!: number | null;
}

export class SeriesPointDto {
  @ApiProperty({ description: 'Start of the span, epoch ms' }) at!: number;
  @ApiProperty({ description: 'Samples in the span' }) count!: number;
  @ApiProperty({ description: 'Probes without an echo reply' }) noReply!: number;
  @ApiProperty({ description: 'Probes the agent could not make (unresolved, send error)' }) errors!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Fastest reply, µs' }) minUs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean reply, µs' }) avgUs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Slowest reply, µs' }) maxUs!: number | null;
}

export class PairSeriesDto {
  @ApiProperty() from!: number;
  @ApiProperty() to!: number;
  @ApiProperty({ description: 'Width of each point, ms' }) step!: number;
  @ApiProperty({ type: [SeriesPointDto], description: 'Spans with samples, in time order; spans without samples are left out' }) points!: SeriesPointDto[];
  @ApiProperty({ type: [GapDto] }) gaps!: GapDto[];
}

export class PairStatsDto {
  @ApiProperty() from!: number;
  @ApiProperty() to!: number;
  @ApiProperty({ description: 'Samples in the window, whatever their outcome' }) count!: number;
  @ApiProperty() replies!: number;
  @ApiProperty() noReply!: number;
  @ApiProperty({ description: 'Unresolved name or send error: a problem of the agent, not loss' }) errors!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'noReply / (replies + noReply), percent' }) lossPercent!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Time of the newest sample, epoch ms' }) lastAt!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Newest sample: RTT in µs, or -1 no reply, -2 unresolved, -3 send error' }) lastRtt!: number | null;
  @ApiProperty({ type: Number, nullable: true }) minUs!: number | null;
  @ApiProperty({ type: Number, nullable: true }) avgUs!: number | null;
  @ApiProperty({ type: Number, nullable: true }) maxUs!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Median reply, µs (nearest rank)' }) p50Us!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '95th percentile reply, µs (nearest rank)' }) p95Us!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean absolute difference of consecutive replies, µs' }) jitterUs!: number | null;
  @ApiProperty({ type: [GapDto] }) gaps!: GapDto[];
}
