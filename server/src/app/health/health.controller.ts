import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiServiceUnavailableResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { DatabaseProbe } from '../../infra/database/database-probe';
import { Access } from '../access/access.decorator';
import { MonitoringService } from '../monitoring/monitoring.service';

/** Results waiting this long for their commit mean the writer is stuck: not ready. */
export const INGEST_STUCK_MS = 30_000;
const DB_TIMEOUT_MS = 3_000;

class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ description: 'The database answered a query' }) database!: boolean;
}

class CheckDto {
  @ApiProperty({ enum: ['up', 'down'] }) status!: 'up' | 'down';
  @ApiPropertyOptional({ description: 'Why it is down' }) message?: string;
  @ApiPropertyOptional({ description: 'ingest: how long the oldest result not yet committed has waited (ms)' }) waitingMs?: number;
}

class HealthCheckDto {
  @ApiProperty({ enum: ['ok', 'error'], description: 'ok: every check is up' }) status!: 'ok' | 'error';
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(CheckDto) }, description: 'The checks that are up, with their details' }) info!: Record<string, CheckDto>;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(CheckDto) }, description: 'The checks that are down, with why' }) error!: Record<string, CheckDto>;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(CheckDto) } }) details!: Record<string, CheckDto>;
}

/**
 * For orchestration (Kubernetes probes, load balancers), no session needed: /health/live says the
 * process serves (restart it when not); /health/ready says it can take agents' results and
 * browsers now (database answers, ingest recovered and committing), 503 with the failing check
 * otherwise (take it out of rotation, do not restart it). /health is the older combined check.
 */
@ApiTags('health')
@ApiExtraModels(CheckDto)
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: DatabaseProbe,
    private readonly monitoring: MonitoringService,
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'getHealth', summary: 'Liveness and database readiness (no session needed)' })
  @Access('public')
  @ApiOkResponse({ type: HealthDto, description: 'Liveness and readiness for orchestration' })
  async health(): Promise<HealthDto> {
    await this.db.ping();
    return { status: 'ok', database: true };
  }

  @Get('live')
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness: the process serves requests (no session needed)' })
  @Access('public')
  @ApiOkResponse({ type: HealthCheckDto })
  live(): Promise<HealthCheckResult> {
    return this.checks.check([]);
  }

  @Get('ready')
  @ApiOperation({ operationId: 'getReadiness', summary: 'Readiness: the database answers and ingest commits (no session needed)' })
  @Access('public')
  @ApiOkResponse({ type: HealthCheckDto, description: 'Ready' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: `message` says which check is down and why (the error answer, with the checks in `checks`)' })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.probeReadiness();
    } catch (err) {
      // Terminus answers 503 with its own body; here every error answers an ErrorResponse (docs/openapi.json).
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const checks = err.getResponse() as HealthCheckResult;
      const message = Object.entries(checks.error ?? {}).map(([name, c]) => `${name}: ${(c as { message?: string }).message ?? 'down'}`);
      throw new ServiceUnavailableException({ statusCode: 503, error: 'Service Unavailable', message, checks });
    }
  }

  private probeReadiness(): Promise<HealthCheckResult> {
    return this.checks.check([
      async () => {
        const database = this.indicators.check('database');
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${DB_TIMEOUT_MS} ms`)), DB_TIMEOUT_MS)));
          await Promise.race([this.db.ping(), timeout]);
          return database.up();
        } catch (err) {
          return database.down({ message: (err as Error).message });
        } finally {
          clearTimeout(timer);
        }
      },
      () => {
        const ingest = this.indicators.check('ingest');
        const { accepting, waitingMs } = this.monitoring.ingestState();
        if (!accepting) return ingest.down({ message: 'sample storage is not accepting results (starting or stopping)' });
        if (waitingMs > INGEST_STUCK_MS) return ingest.down({ message: `results have waited ${Math.round(waitingMs / 1000)} s for their commit`, waitingMs });
        return ingest.up({ waitingMs });
      },
    ]);
  }
}
