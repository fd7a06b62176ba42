import { Controller, Get, Header, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Access } from '../access/access.decorator';
import { AccessArea } from '../access/access-area.decorator';
import { MetricsService } from './metrics.service';

/** Prometheus metrics (prom-client): what MetricsService keeps, in the text exposition format. */
@ApiTags('health')
@AccessArea('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly service: MetricsService) {}

  @Get()
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics in the text exposition format' })
  // For a scraper: Prometheus sends a bearer token (authorization.credentials_file); it cannot hold a session.
  @Access('token:metrics:read')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  async metrics(): Promise<StreamableFile> {
    // Bytes (Express would also rewrite a string's Content-Type, charset first; prom-client's is this one).
    return new StreamableFile(await this.service.scrape());
  }
}
