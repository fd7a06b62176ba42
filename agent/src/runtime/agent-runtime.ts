import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { RESULT_FLUSH_INTERVAL_MS, type ServerToAgent } from '@meshping/protocol';
import { AGENT_CONFIG, type AgentConfig } from '../config/agent-config';
import { PROBER, type Prober } from '../probe/prober';
import { ProbeScheduler } from '../scheduler/probe-scheduler';
import type { RuntimeStatus } from '../status/status-file';
import { saveBuffer, takeSavedBuffer } from '../uplink/buffer-store';
import { dropMessage } from '../uplink/drop-message';
import { bufferLimits, ResultBuffer } from '../uplink/result-buffer';
import { UplinkService } from '../uplink/uplink.service';
import { DEFAULT_BROADCAST, WAKE_SENDER, type WakeSender } from '../wol/wake-on-lan';

/**
 * The running agent: starts and stops its parts in order, routes the server's commands to them
 * (target list -> scheduler, wake -> Wake-on-LAN sender), and moves results from the scheduler
 * through the buffer onto the link. The daemon (cli/daemon.ts) reads it through status() only.
 */
@Injectable()
export class AgentRuntime implements OnApplicationShutdown {
  private readonly logger = new Logger(AgentRuntime.name);
  private flushTimer?: NodeJS.Timeout;
  /** Version of the target list the scheduler has. */
  private targetsVersion: number | null = null;
  /** The latest problem, for the status: a drop, a lost link, the server's error, a failed wake or reload. */
  private lastError: string | null = null;
  /** A planned stop, a rejection or a shutdown has begun. */
  private stopped = false;
  private readonly fatalListeners: ((message: string) => void)[] = [];

  constructor(
    @Inject(AGENT_CONFIG) private config: AgentConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROBER) private readonly prober: Prober,
    @Inject(WAKE_SENDER) private readonly sendWake: WakeSender,
    private readonly scheduler: ProbeScheduler,
    private readonly buffer: ResultBuffer,
    private readonly uplink: UplinkService,
  ) {
    this.routeLinkEvents();
  }

  /**
   * Takes over what the previous run left unacknowledged (before anything new is measured), then
   * opens the prober and starts the schedule, the flushes and the link.
   */
  start(): void {
    this.restoreBuffer();
    this.prober.open();
    this.scheduler.start((sample) => this.buffer.add(sample));
    this.flushTimer = setInterval(() => this.flush(), RESULT_FLUSH_INTERVAL_MS);
    this.uplink.start();
  }

  /**
   * A planned stop (SIGTERM): no new probe goes out and those in flight record their outcome; what
   * was measured is sent and its acks awaited for up to `drainMs` (a lost link is not redialled);
   * then the link closes and what is still unacknowledged is kept in the state dir
   * (unacknowledged.json) for the next start. Resolves with the samples still unacknowledged.
   */
  async stop(drainMs: number): Promise<number> {
    this.stopped = true;
    let unacknowledged: number;
    try {
      await this.scheduler.stopAndSettle();
      unacknowledged = await this.drain(drainMs);
    } finally {
      this.halt();
    }
    this.persist(unacknowledged);
    return unacknowledged;
  }

  /** Stops at once, keeping nothing (a rejection, the shutdown hooks); idempotent. */
  halt(): void {
    this.stopped = true;
    clearInterval(this.flushTimer);
    this.scheduler.stop();
    this.uplink.close();
  }

  onApplicationShutdown(): void {
    this.halt();
  }

  /** New settings (`meshping-agent reload`): new buffer bounds, and the link reconnects with them. */
  reconfigure(config: AgentConfig): void {
    this.config = config;
    this.buffer.setLimits(bufferLimits(config));
    this.uplink.reconfigure(config);
  }

  /** A problem found outside the runtime (a failed reload), for the status. */
  recordError(message: string): void {
    this.lastError = message;
  }

  /** Called when the agent must stop (the server refused it, or cannot be trusted); main exits with the message. */
  onFatal(listener: (message: string) => void): void {
    this.fatalListeners.push(listener);
  }

  /** What `meshping-agent status` shows, as of now (a copy). */
  status(): RuntimeStatus {
    const link = this.uplink.state();
    const buffer = this.buffer;
    const limits = buffer.currentLimits;
    return {
      server: link.server,
      connection: this.stopped ? 'stopped' : link.connection,
      connectedSince: link.connectedSince,
      agentId: link.agentId,
      targets: this.scheduler.currentTargets().length,
      targetsVersion: this.targetsVersion,
      buffer: {
        depth: buffer.depth(),
        bytes: buffer.bytes(),
        maxBytes: limits.maxBytes,
        windowSeconds: limits.windowMs / 1000,
        backlogFrames: buffer.backlog(),
        produced: buffer.producedSamples,
        dropped: buffer.droppedSamples,
        droppedByWindow: buffer.droppedBy.window,
        droppedByMemory: buffer.droppedBy.memory,
        restored: buffer.restoredSamples,
      },
      lastError: this.lastError,
      disconnectReason: link.disconnectReason,
    };
  }

  private routeLinkEvents(): void {
    const uplink = this.uplink;
    uplink.on('connected', () => (this.lastError = null));
    uplink.on('disconnected', ({ reason }) => (this.lastError = reason));
    uplink.on('server-error', ({ code, message }) => (this.lastError = `${code}: ${message}`));
    uplink.on('rejected', ({ message }) => this.fatal(message));
    uplink.on('targets', ({ version, targets }) => {
      this.scheduler.setTargets(targets);
      this.targetsVersion = version;
    });
    uplink.on('targets-changed', (change) => this.applyTargetChange(change));
    uplink.on('wake', ({ mac, broadcast }) => this.wake(mac, broadcast));
  }

  private fatal(message: string): void {
    this.lastError = message;
    this.stopped = true;
    for (const listener of this.fatalListeners) listener(message);
  }

  private applyTargetChange(change: Extract<ServerToAgent, { type: 'targets-changed' }>): void {
    if (change.from !== this.targetsVersion) {
      // A change we cannot apply on what we have: ask for the whole list.
      this.logger.warn({ event: 'uplink.targets-out-of-step', have: this.targetsVersion, from: change.from });
      this.uplink.send({ type: 'targets-request' });
      return;
    }
    this.scheduler.applyChange(change.upserted, change.removed);
    this.targetsVersion = change.version;
  }

  /** Wake-on-LAN for the server (an operator asked there; the server audited it). */
  private wake(mac: string, broadcast: string | undefined): void {
    this.sendWake(mac, broadcast).then(
      () => this.logger.log({ event: 'wol.sent', mac, broadcast: broadcast ?? DEFAULT_BROADCAST }),
      (err: Error) => {
        this.lastError = `Wake-on-LAN for ${mac} failed: ${err.message}`;
        this.logger.warn({ event: 'wol.failed', mac, broadcast, message: err.message });
      },
    );
  }

  /** Every flush interval: expires and seals what the scheduler measured; on a live link, sends it. */
  private flush(): void {
    const before = { ...this.buffer.droppedBy };
    this.buffer.expire();
    const live = this.buffer.seal();
    const window = this.buffer.droppedBy.window - before.window;
    const memory = this.buffer.droppedBy.memory - before.memory;
    if (window || memory) {
      this.lastError = dropMessage(this.buffer, this.clock.now() - this.uplink.state().lastHeardAt, this.uplink.connected);
      this.logger.warn({ event: 'buffer.dropped', window, memory, total: this.buffer.droppedSamples, bytes: this.buffer.bytes() });
    }
    if (!this.uplink.connected) return;
    // Live results go out at once; the backlog follows in bounded steps, paced by acks.
    if (live) {
      this.uplink.sendFrame(live.frame);
      this.buffer.sent(live.seq);
    }
    const gap = this.buffer.sealGapReport();
    if (gap) this.uplink.sendFrame(gap.frame);
    this.uplink.pumpBacklog();
  }

  private async drain(timeoutMs: number): Promise<number> {
    clearInterval(this.flushTimer);
    this.uplink.windDown();
    const deadline = this.clock.now() + timeoutMs;
    // Each flush seals and sends one batch, a gap report once the previous one is acknowledged, and
    // as much of the backlog as the acks so far let go.
    this.flush();
    while (this.uplink.connected && !this.buffer.settled() && this.clock.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      this.flush();
    }
    return this.buffer.depth();
  }

  private restoreBuffer(): void {
    try {
      const saved = takeSavedBuffer(this.config.MESHPING_AGENT_STATE_DIR, this.config.MESHPING_SERVER_URL);
      if (!saved) return;
      this.buffer.restore(saved);
      this.logger.log({ event: 'buffer.restored', samples: this.buffer.restoredSamples, dropped: saved.gap?.samples ?? 0 });
    } catch (err) {
      this.logger.error({ event: 'buffer.restore-failed', message: (err as Error).message });
    }
  }

  /** Keeps what is still unacknowledged for the next start (nothing kept: the file is removed). */
  private persist(unacknowledged: number): void {
    const snapshot = this.buffer.snapshot();
    try {
      saveBuffer(this.config.MESHPING_AGENT_STATE_DIR, snapshot, this.config.MESHPING_SERVER_URL, this.clock.now());
      this.logger.log({ event: 'agent.drained', unacknowledged, keptFrames: snapshot.results.length, droppedNotReported: snapshot.gap?.samples ?? 0 });
    } catch (err) {
      // Nowhere to keep them: they are lost, and said so here (the next start cannot report them).
      this.logger.error({ event: 'buffer.save-failed', lost: unacknowledged, message: (err as Error).message });
    }
  }
}
