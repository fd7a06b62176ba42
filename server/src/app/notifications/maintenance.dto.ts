import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { IsDisplayName } from '../../infra/validation/display-name';
import { OptionalNotNull } from '../../infra/validation/optional';

/** A window lasts at most this long (a forgotten "until further notice" would silence for good). */
export const MAX_WINDOW_DAYS = 30;
const EPOCH_MAX = 8.64e15;

export class MaintenanceWindowDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'core switch firmware upgrade' }) reason!: string;
  @ApiProperty({ type: Number, nullable: true }) agentId!: number | null;
  @ApiProperty({ type: Number, nullable: true }) targetId!: number | null;
  @ApiProperty({ type: String, nullable: true }) agentGroup!: string | null;
  @ApiProperty({ type: String, nullable: true }) targetGroup!: string | null;
  @ApiProperty({ description: 'Epoch ms' }) startsAt!: number;
  @ApiProperty({ description: 'Epoch ms (exclusive)' }) endsAt!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Who made it' }) createdBy!: string | null;
  @ApiProperty({ description: 'Running now' }) active!: boolean;
}

const Nullable = () => ValidateIf((_o, v) => v !== undefined && v !== null);
const blankToNull = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || null : value);

export class CreateMaintenanceWindowDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'core switch firmware upgrade' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsDisplayName()
  reason!: string;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, description: 'Covers this agent (exactly one of agentId, targetId, agentGroup, targetGroup)' })
  @Nullable()
  @IsInt()
  @Min(1)
  @Max(2 ** 31 - 1)
  agentId?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, description: 'Covers this target' })
  @Nullable()
  @IsInt()
  @Min(1)
  @Max(2 ** 31 - 1)
  targetId?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, description: 'Covers the agents of this group' })
  @Transform(blankToNull)
  @Nullable()
  @IsString()
  @MaxLength(64)
  @IsDisplayName()
  agentGroup?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 64, description: 'Covers the targets of this group' })
  @Transform(blankToNull)
  @Nullable()
  @IsString()
  @MaxLength(64)
  @IsDisplayName()
  targetGroup?: string | null;

  @ApiPropertyOptional({ type: 'integer', nullable: false, description: 'Epoch ms; default now (ad hoc)' })
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(EPOCH_MAX)
  startsAt?: number;

  @ApiProperty({ type: 'integer', description: `Epoch ms (exclusive): after startsAt and now, at most ${MAX_WINDOW_DAYS} days after startsAt` })
  @IsInt()
  @Min(0)
  @Max(EPOCH_MAX)
  endsAt!: number;
}

export class MaintenanceQueryDto {
  @ApiPropertyOptional({ nullable: false, description: 'true: only windows running now or later; false or left out: all kept' })
  @OptionalNotNull()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  current?: boolean;
}

