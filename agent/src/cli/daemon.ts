import { NestFactory } from '@nestjs/core';
import { CLOCK, createLogger, PinoNestLogger, type Clock } from '@meshping/node-kit';
import { mkdirSync } from 'node:fs';
import { AgentModule, bufferLimits } from '../agent.module';
import { loadAgentSettings } from '../config/agent-config';
import { IcmpProber } from '../probe/icmp-prober';
import { trimHeap } from '../probe/kernel-timestamps';
import { PROBER, type Prober } from '../probe/prober';
import { ProbeScheduler } from '../scheduler/probe-scheduler';
import { STATUS_EVERY_MS, writeStatus, type AgentStatus } from '../status/status-file';
import { saveBuffer, takeSavedBuffer } from '../uplink/buffer-store';
import { ResultBuffer } from '../uplink/result-buffer';
import { AGENT_VERSION, UplinkService } from '../uplink/uplink.service';

/**
 * How long a planned stop waits for the server to acknowledge what is buffered (after the probes in
 * flight have their outcome, at most the 3 s probe timeout): well inside systemd's 90 s stop timeout.
 */
export const DRAIN_MS = 5_000;

/**
 * `meshping-agent run`: the daemon in the foreground (what systemd starts). SIGHUP re-reads the
 * config file and applies it without a restart (the buffer and the schedule stay); SIGTERM and
 * SIGINT stop it after draining: what the server has not acknowledged by then is kept in the state
 * dir and sent after the next start (a second signal stops it at once).
 */
export async function runDaemon(configFile: string | undefined): Promise<void> {
  let { config, file } = loadAgentSettings(configFile);
  IcmpProber.checkPrivilege(); // at once, before anything else starts
  const pino = createLogger('meshping-agent', config.MESHPING_LOG_LEVEL);
  // A standalone application context: Nest's container and lifecycle, no HTTP platform. Nest's
  // own log lines (bootstrap, errors) and the components' Logger go to the same pino stream.
  const app = await NestFactory.createApplicationContext(AgentModule.forRoot(config), { logger: new PinoNestLogger(pino), abortOnError: false });
  const prober = app.get<Prober>(PROBER);
  const uplink = app.get(UplinkService);
  const buffer = app.get(ResultBuffer);
  const scheduler = app.get(ProbeScheduler);
  const clock = app.get<Clock>(CLOCK);
  // Stops the link (and the schedule) before the prober closes; app.close() then runs the
  // components' shutdown hooks (stop is idempotent).
  const stop = async () => {
    uplink.stop();
    await app.close();
  };
  const startedAt = clock.now();
  try {
    mkdirSync(config.MESHPING_AGENT_STATE_DIR, { recursive: true, mode: 0o700 });
  } catch (err) {
    // Probing does not need it; only `meshping-agent status` and keeping results across a restart go without.
    pino.warn({ event: 'status.unavailable', stateDir: config.MESHPING_AGENT_STATE_DIR, message: (err as Error).message });
  }
  try {
    const saved = takeSavedBuffer(config.MESHPING_AGENT_STATE_DIR, config.MESHPING_SERVER_URL);
    if (saved) {
      buffer.restore(saved);
      pino.info({ event: 'buffer.restored', samples: buffer.restoredSamples, dropped: saved.gap?.samples ?? 0 });
    }
  } catch (err) {
    pino.error({ event: 'buffer.restore-failed', message: (err as Error).message });
  }

  let stopped = false;
  const status = (): AgentStatus => {
    const limits = buffer.currentLimits;
    return {
      pid: process.pid,
      version: AGENT_VERSION,
      configFile: file,
      startedAt,
      updatedAt: clock.now(),
      server: uplink.serverUrl,
      connection: stopped ? 'stopped' : uplink.connection,
      connectedSince: uplink.connectedSince,
      agentId: uplink.agentId,
      targets: scheduler.currentTargets().length,
      targetsVersion: uplink.targetsVersion,
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
      lastError: uplink.lastError,
      disconnectReason: uplink.disconnectReason,
    };
  };
  // glibc keeps the malloc memory that start-up (Nest's module scan, V8 compiling the bundle) and a
  // new target list freed, as resident memory; the status tick gives it back once after start-up
  // and after each change of the target list. (Trimming at every tick measured no lower: what
  // stays is in use. docs/architecture.md, agent memory.)
  let trimmedFor: number | null | undefined;
  const trimAfterChange = () => {
    if (uplink.targetsVersion === trimmedFor) return;
    trimmedFor = uplink.targetsVersion;
    const t0 = performance.now();
    const released = trimHeap();
    pino.debug({ event: 'heap.trimmed', targetsVersion: trimmedFor, released, ms: Math.round((performance.now() - t0) * 100) / 100 });
  };
  const publish = () => {
    trimAfterChange();
    try {
      writeStatus(config.MESHPING_AGENT_STATE_DIR, status());
    } catch (err) {
      pino.warn({ event: 'status.write-failed', err });
    }
  };
  const statusTimer = setInterval(publish, STATUS_EVERY_MS);
  statusTimer.unref();

  process.on('SIGHUP', () => {
    try {
      const next = loadAgentSettings(configFile);
      if (next.config.MESHPING_AGENT_STATE_DIR !== config.MESHPING_AGENT_STATE_DIR) {
        pino.warn({ event: 'reload.state-dir-ignored', message: 'state-dir changes take effect at the next restart' });
        next.config.MESHPING_AGENT_STATE_DIR = config.MESHPING_AGENT_STATE_DIR;
      }
      ({ config, file } = next);
      pino.level = config.MESHPING_LOG_LEVEL;
      buffer.setLimits(bufferLimits(config));
      uplink.reconfigure(config);
      pino.info({ event: 'reload.done', configFile: file, bufferDepth: buffer.depth() });
    } catch (err) {
      // A broken file must not take a running agent down: keep the settings it runs with.
      uplink.lastError = `reload failed, still running with the previous settings: ${(err as Error).message}`;
      pino.error({ event: 'reload.failed', message: (err as Error).message });
    }
    publish();
  });
  uplink.onFatal((message) => {
    process.stderr.write(`meshping-agent: ${message}\n`);
    uplink.lastError = message;
    stopped = true;
    publish();
    void stop().finally(() => process.exit(1));
  });
  prober.open();
  uplink.start();
  publish();
  const shutdown = (signal: NodeJS.Signals) => {
    pino.info({ event: 'agent.stopping', signal, unacknowledged: buffer.depth() });
    stopped = true;
    clearInterval(statusTimer);
    publish();
    // End by the signal itself (exit status 143 / 130), as the server does: the handler was `once`.
    void drainAndKeep()
      .catch((err) => pino.error({ event: 'agent.drain-failed', err }))
      .then(stop)
      .finally(() => setImmediate(() => process.kill(process.pid, signal)));
  };
  /** Sends what was measured, waits for its acks, and keeps what is still unacknowledged for the next start. */
  const drainAndKeep = async () => {
    await scheduler.stopAndSettle();
    const unacknowledged = await uplink.drain(DRAIN_MS);
    uplink.stop();
    const snapshot = buffer.snapshot();
    try {
      saveBuffer(config.MESHPING_AGENT_STATE_DIR, snapshot, config.MESHPING_SERVER_URL, clock.now());
      pino.info({ event: 'agent.drained', unacknowledged, keptFrames: snapshot.results.length, droppedNotReported: snapshot.gap?.samples ?? 0 });
    } catch (err) {
      // Nowhere to keep them: they are lost, and said so here (the next start cannot report them).
      pino.error({ event: 'buffer.save-failed', lost: unacknowledged, message: (err as Error).message });
    }
    publish();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
