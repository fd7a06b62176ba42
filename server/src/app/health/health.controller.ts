import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { DatabaseProbe } from '../../infra/database/database-probe';
import { Access } from '../access/access.decorator';

class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ description: 'The database answered a query' }) database!: boolean;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly db: DatabaseProbe) {}

  @Get()
  @ApiOperation({ operationId: 'getHealth', summary: 'Liveness and database readiness (no session needed)' })
  @Access('public')
  @ApiOkResponse({ type: HealthDto, description: 'Liveness and readiness for orchestration' })
  async health(): Promise<HealthDto> {
    await this.db.ping();
    return { status: 'ok', database: true };
  }
}
