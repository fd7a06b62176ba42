import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { AGENT_STATES } from '@meshping/protocol';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { SERVER_VERSION } from '../../infra/build-info';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { AgentsService, type AgentView } from '../agents/agents.service';
import { AlertEngineService } from '../alerts/alert-engine.service';
import { INCIDENT_KINDS } from '../alerts/incident.dto';
import { IncidentsService } from '../alerts/incidents.service';
import { MonitoringService } from '../monitoring/monitoring.service';
import { NotificationsService } from '../notifications/notifications.service';
import { TargetsService } from '../targets/targets.service';
import { EventLoopDelayWindows } from './event-loop-delay';
import { EventLoopWatchdog, STALL_BUCKETS, STALL_THRESHOLD_MS } from './event-loop-watchdog';
import { CollectedFamily, leLabels, pushHistogram, type FamilyValue } from './metric-family';
import { PAIR_SERIES_CAP } from './pair-tally';
import { ProbeExposition } from './probe-exposition';
import { ProbeMetrics } from './probe-metrics';
import { processRegistry } from './process-metrics';

/** What a scrape reads that must be fetched first (a query each): gathered once, then every family reads it. */
interface ScrapeInputs {
  storage: Awaited<ReturnType<MonitoringService['storageFigures']>>;
  openIncidents: Map<string, number>;
  agents: AgentView[];
}

type Value = (inputs: ScrapeInputs) => number;

/**
 * The Prometheus registry of /metrics (prom-client): ingest and storage, event-loop pauses and
 * stalls, agents, alerting, probes per target / agent / pair (ProbeMetrics, fed by every committed
 * batch), build info; with the process's default metrics (process-metrics.ts) merged in at each scrape.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();
  /** Made at start, so the GC observer sees the collections before the first scrape. */
  private readonly process = processRegistry();
  readonly probes: ProbeMetrics;
  private readonly exposition: ProbeExposition;
  private readonly delay = new EventLoopDelayWindows();
  private readonly subscriptions: Subscription[] = [];
  private inputs: ScrapeInputs | null = null;

  constructor(
    private readonly monitoring: MonitoringService,
    private readonly watchdog: EventLoopWatchdog,
    private readonly alerts: AlertEngineService,
    private readonly incidents: IncidentsService,
    private readonly notifications: NotificationsService,
    private readonly agents: AgentsService,
    private readonly targets: TargetsService,
    @Inject(SERVER_CONFIG) config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.probes = new ProbeMetrics({
      agentOf: (p) => monitoring.agentOfCell(p),
      targetOf: (p) => monitoring.targetOfCell(p),
      pairCap: config.MESHPING_METRICS_PAIR_SERIES ? PAIR_SERIES_CAP : null,
      onPairCapReached: (cap) =>
        this.logger.warn({ event: 'metrics.pair-series-capped', cap, msg: `More than ${cap} pairs sent samples: the pairs over the cap have no series of their own (meshping_pair_series_refused)` }),
    });
    this.registerStorage();
    this.registerEventLoop();
    this.registerAgentsAndAlerts();
    this.exposition = new ProbeExposition(this.probes);
    new Gauge({ name: 'meshping_build_info', help: 'Always 1: the server version and the Node.js version that runs it', labelNames: ['version', 'node'], registers: [this.registry] }).set(
      { version: SERVER_VERSION, node: process.version },
      1,
    );
  }

  onModuleInit(): void {
    this.delay.start();
    this.subscriptions.push(
      this.monitoring.samplesStored$.subscribe(({ pairs, rtt }) => this.probes.add(pairs, rtt, this.clock.now())),
      this.targets.changes$.subscribe(({ removed }) => removed.forEach((id) => this.probes.removeTarget(id))),
      this.agents.stateChanges$.subscribe(({ agentId, state }) => state === 'deleted' && this.probes.removeAgent(agentId)),
    );
  }

  onModuleDestroy(): void {
    this.delay.stop();
    for (const s of this.subscriptions) s.unsubscribe();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The exposition text: the inputs fetched once, then prom-client's families (this app's and the
   * process's) rendered from them, then the probe series (ProbeExposition, in slices between which
   * the event loop runs).
   */
  async scrape(): Promise<Buffer> {
    const [storage, openIncidents, agents] = await Promise.all([this.monitoring.storageFigures(), this.incidents.openByKind(), this.agents.list()]);
    const labels = { targets: this.targets.views(), agents };
    this.inputs = { storage, openIncidents, agents };
    this.probes.tick(this.clock.now());
    const registered = await Registry.merge([this.process, this.registry]).metrics();
    const probes = await this.exposition.render(labels, () => new Promise<void>((resolve) => setImmediate(resolve)));
    return Buffer.concat([Buffer.from(registered), probes]);
  }

  private read(): ScrapeInputs {
    if (!this.inputs) throw new Error('metrics read outside a scrape');
    return this.inputs;
  }

  private gauge(name: string, help: string, value: Value): void {
    const read = () => this.read();
    new Gauge({ name, help, registers: [this.registry], collect() { this.set(value(read())); } });
  }

  private counter(name: string, help: string, value: Value): void {
    const read = () => this.read();
    new Counter({ name, help, registers: [this.registry], collect() { this.reset(); this.inc(value(read())); } });
  }

  private registerStorage(): void {
    const counters: [string, string, Value][] = [
      ['meshping_samples_ingested_total', 'Samples committed', (i) => i.storage.ingested],
      ['meshping_samples_duplicate_total', 'Samples received again and not stored twice', (i) => i.storage.duplicates],
      ['meshping_samples_overflow_total', 'Samples refused: more than one per probe interval for a pair', (i) => i.storage.overflow],
      ['meshping_ingest_commits_total', 'Group commits to the journal', (i) => i.storage.commits],
      ['meshping_chunks_written_total', 'Chunk rows written', (i) => i.storage.chunksWritten],
    ];
    for (const [name, help, value] of counters) this.counter(name, help, value);
    const gauges: [string, string, Value][] = [
      ['meshping_cache_pairs', 'Pairs in the hour cache', (i) => i.storage.cachePairs],
      ['meshping_cache_bytes', 'Bytes of the hour cache', (i) => i.storage.cacheBytes],
      ['meshping_database_bytes', 'Bytes of the SQLite file (pages in use and free)', (i) => i.storage.databaseBytes],
      ['meshping_database_free_bytes', 'Bytes of free pages in the SQLite file', (i) => i.storage.freeBytes],
    ];
    for (const [name, help, value] of gauges) this.gauge(name, help, value);
  }

  /** The longest pauses (perf_hooks, 10 ms resolution) and the watchdog's stalls over its threshold. */
  private registerEventLoop(): void {
    const delay = this.delay;
    new Gauge({
      name: 'meshping_event_loop_stall_max_seconds',
      help: 'Longest event-loop pause: in the last complete 10-s window, the last minute, since start',
      labelNames: ['window'],
      registers: [this.registry],
      collect() {
        const f = delay.figures();
        this.set({ window: '10s' }, f.last10sMs / 1000);
        this.set({ window: '1m' }, f.lastMinuteMs / 1000);
        this.set({ window: 'start' }, f.sinceStartMs / 1000);
      },
    });
    const stalls = this.watchdog.figures;
    new Counter({ name: 'meshping_event_loop_stalls_total', help: `Event-loop stalls longer than ${STALL_THRESHOLD_MS / 1000} s since start (each is logged)`, registers: [this.registry], collect() {
      this.reset();
      this.inc(stalls.count);
    } });
    const le = leLabels(STALL_BUCKETS);
    new CollectedFamily('meshping_event_loop_stall_seconds', 'Durations of those stalls', 'histogram', () => {
      // The watchdog keeps cumulative counts per bound; pushHistogram takes them per bucket.
      const perBucket = [...stalls.buckets, stalls.count].map((n, i, all) => n - (i ? all[i - 1] : 0));
      const out: FamilyValue[] = [];
      pushHistogram(out, 'meshping_event_loop_stall_seconds', le, perBucket, 0, stalls.sumSeconds);
      return out;
    }).registerIn(this.registry);
  }

  private registerAgentsAndAlerts(): void {
    const read = () => this.read();
    const { alerts, notifications } = this;
    new Gauge({ name: 'meshping_agents', help: 'Agents by state (pending, approved, hold, blacklisted)', labelNames: ['state'], registers: [this.registry], collect() {
      const agents = read().agents;
      for (const state of AGENT_STATES) this.set({ state }, agents.filter((a) => a.state === state).length);
    } });
    this.gauge('meshping_agents_online', 'Agents connected now', (i) => i.agents.filter((a) => a.online).length);
    new Gauge({ name: 'meshping_incidents_open', help: 'Open incidents, by kind (silent, agent, block, target, path)', labelNames: ['kind'], registers: [this.registry], collect() {
      const open = read().openIncidents;
      for (const kind of INCIDENT_KINDS) this.set({ kind }, open.get(kind) ?? 0);
    } });
    new Counter({
      name: 'meshping_notifications_total',
      help: 'Notification delivery attempts since start, by outcome (retried: failed and to be tried again; failed: given up)',
      labelNames: ['outcome'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const outcome of ['delivered', 'retried', 'failed'] as const) this.inc({ outcome }, notifications.counts[outcome]);
      },
    });
    this.gauge('meshping_alert_evaluation_seconds', 'How long the last evaluation of the alert rules took (wall time, the event loop running between its steps)', () => alerts.figures().lastEvaluationMs / 1000);
    this.gauge('meshping_alert_window_bytes', "Memory of the alert rules' per-pair windows", () => alerts.figures().windowBytes);
  }
}
