import { Controller, Get, Header, type OnModuleDestroy } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Access } from '../access/access.decorator';
import { AccessArea } from '../access/access-area.decorator';
import { AlertEngineService } from '../alerts/alert-engine.service';
import { INCIDENT_KINDS } from '../alerts/incident.dto';
import { IncidentsService } from '../alerts/incidents.service';
import { MonitoringService } from '../monitoring/monitoring.service';
import { NotificationsService } from '../notifications/notifications.service';
import { EventLoopWatchdog, STALL_BUCKETS, STALL_THRESHOLD_MS } from './event-loop-watchdog';

const WINDOW_MS = 10_000;
const WINDOWS = 6;

/**
 * Prometheus text metrics: ingest, storage, memory and event-loop stalls (the longest pause of the
 * server's event loop, sampled every 10 ms by perf_hooks, over the last minute and since start).
 */
@ApiTags('health')
@AccessArea('metrics')
@Controller('metrics')
export class MetricsController implements OnModuleDestroy {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly windows: number[] = [];
  private maxSinceStart = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly monitoring: MonitoringService,
    private readonly watchdog: EventLoopWatchdog,
    private readonly alerts: AlertEngineService,
    private readonly incidents: IncidentsService,
    private readonly notifications: NotificationsService,
  ) {
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), WINDOW_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  @Get()
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics in the text exposition format' })
  // For a scraper: Prometheus sends a bearer token (authorization.credentials_file); it cannot hold a session.
  @Access('token:metrics:read')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  async metrics(): Promise<string> {
    const current = this.histogram.max / 1e6;
    const lastMinute = Math.max(current, ...this.windows);
    const s = await this.monitoring.storageFigures();
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const lines: [string, string, string, number][] = [
      ['meshping_event_loop_stall_max_seconds{window="10s"}', 'gauge', 'Longest event-loop pause: in the last complete 10-s window, the last minute, since start', (this.windows.at(-1) ?? 0) / 1000],
      ['meshping_event_loop_stall_max_seconds{window="1m"}', 'gauge', '', lastMinute / 1000],
      ['meshping_event_loop_stall_max_seconds{window="start"}', 'gauge', 'Longest event-loop pause since start', Math.max(this.maxSinceStart, current) / 1000],
      ['meshping_samples_ingested_total', 'counter', 'Samples committed', s.ingested],
      ['meshping_samples_duplicate_total', 'counter', 'Samples received again and not stored twice', s.duplicates],
      ['meshping_samples_overflow_total', 'counter', 'Samples refused: more than one per probe interval for a pair', s.overflow],
      ['meshping_ingest_commits_total', 'counter', 'Group commits to the journal', s.commits],
      ['meshping_chunks_written_total', 'counter', 'Chunk rows written', s.chunksWritten],
      ['meshping_cache_pairs', 'gauge', 'Pairs in the hour cache', s.cachePairs],
      ['meshping_cache_bytes', 'gauge', 'Bytes of the hour cache', s.cacheBytes],
      ['meshping_database_bytes', 'gauge', 'Bytes of the SQLite file (pages in use and free)', s.databaseBytes],
      ['meshping_database_free_bytes', 'gauge', 'Bytes of free pages in the SQLite file', s.freeBytes],
      ['process_resident_memory_bytes', 'gauge', 'Resident set size', mem.rss],
      ['process_cpu_seconds_total', 'counter', 'User and system CPU time', (cpu.user + cpu.system) / 1e6],
    ];
    const out: string[] = [];
    const seen = new Set<string>();
    for (const [name, type, help, value] of lines) {
      const base = name.replace(/\{.*/, '');
      if (!seen.has(base)) out.push(`# HELP ${base} ${help}`, `# TYPE ${base} ${type}`);
      seen.add(base);
      out.push(`${name} ${value}`);
    }
    out.push(...this.stallLines(), ...(await this.alertLines()));
    return out.join('\n') + '\n';
  }

  /** Open incidents by kind, notification deliveries, and what the rule engine costs. */
  private async alertLines(): Promise<string[]> {
    const open = await this.incidents.openByKind();
    const engine = this.alerts.figures();
    const sent = this.notifications.counts;
    return [
      '# HELP meshping_incidents_open Open incidents, by kind (silent, agent, block, target, path)',
      '# TYPE meshping_incidents_open gauge',
      ...INCIDENT_KINDS.map((k) => `meshping_incidents_open{kind="${k}"} ${open.get(k) ?? 0}`),
      '# HELP meshping_notifications_total Notification delivery attempts since start, by outcome (retried: failed and to be tried again; failed: given up)',
      '# TYPE meshping_notifications_total counter',
      ...(['delivered', 'retried', 'failed'] as const).map((o) => `meshping_notifications_total{outcome="${o}"} ${sent[o]}`),
      '# HELP meshping_alert_evaluation_seconds How long the last evaluation of the alert rules took (wall time, the event loop running between its steps)',
      '# TYPE meshping_alert_evaluation_seconds gauge',
      `meshping_alert_evaluation_seconds ${engine.lastEvaluationMs / 1000}`,
      '# HELP meshping_alert_window_bytes Memory of the alert rules\' per-pair windows',
      '# TYPE meshping_alert_window_bytes gauge',
      `meshping_alert_window_bytes ${engine.windowBytes}`,
    ];
  }

  /** Stalls over the watchdog's threshold: a counter and a histogram of their durations. */
  private stallLines(): string[] {
    const f = this.watchdog.figures;
    const name = 'meshping_event_loop_stall_seconds';
    return [
      `# HELP meshping_event_loop_stalls_total Event-loop stalls longer than ${STALL_THRESHOLD_MS / 1000} s since start (each is logged)`,
      '# TYPE meshping_event_loop_stalls_total counter',
      `meshping_event_loop_stalls_total ${f.count}`,
      `# HELP ${name} Durations of those stalls`,
      `# TYPE ${name} histogram`,
      ...STALL_BUCKETS.map((bound, i) => `${name}_bucket{le="${bound}"} ${f.buckets[i]}`),
      `${name}_bucket{le="+Inf"} ${f.count}`,
      `${name}_sum ${f.sumSeconds}`,
      `${name}_count ${f.count}`,
    ];
  }

  private rotate(): void {
    const max = this.histogram.max / 1e6;
    this.maxSinceStart = Math.max(this.maxSinceStart, max);
    this.windows.push(max);
    if (this.windows.length > WINDOWS - 1) this.windows.shift();
    this.histogram.reset();
  }
}
