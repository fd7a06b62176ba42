import { ApiProperty } from '@nestjs/swagger';
import type { ProbeTarget } from '@meshping/protocol';

export class TargetDto implements ProbeTarget {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ example: '192.0.2.1', description: 'IPv4 or IPv6 address, or hostname' }) address!: string;
  @ApiProperty({ type: String, nullable: true, example: 'core router' }) name!: string | null;
}
