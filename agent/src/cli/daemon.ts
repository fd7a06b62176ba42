import { NestFactory } from '@nestjs/core';
import { CLOCK, createLogger, PinoNestLogger, type Clock } from '@meshping/node-kit';
import { mkdirSync } from 'node:fs';
import { AgentModule } from '../agent.module';
import { loadAgentSettings } from '../config/agent-config';
import { IcmpProber } from '../probe/icmp-prober';
import { trimHeap } from '../probe/kernel-timestamps';
import { AgentRuntime } from '../runtime/agent-runtime';
import { STATUS_EVERY_MS, writeStatus, type AgentStatus } from '../status/status-file';
import { AGENT_VERSION } from '../uplink/uplink.service';

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
  const runtime = app.get(AgentRuntime);
  const clock = app.get<Clock>(CLOCK);
  // Stops the schedule and the link before the prober closes; app.close() then runs the
  // components' shutdown hooks (halt is idempotent).
  const stop = async () => {
    runtime.halt();
    await app.close();
  };
  const startedAt = clock.now();
  try {
    mkdirSync(config.MESHPING_AGENT_STATE_DIR, { recursive: true, mode: 0o700 });
  } catch (err) {
    // Probing does not need it; only `meshping-agent status` and keeping results across a restart go without.
    pino.warn({ event: 'status.unavailable', stateDir: config.MESHPING_AGENT_STATE_DIR, message: (err as Error).message });
  }

  const status = (): AgentStatus => ({ pid: process.pid, version: AGENT_VERSION, configFile: file, startedAt, updatedAt: clock.now(), ...runtime.status() });
  // glibc keeps the malloc memory that start-up (Nest's module scan, V8 compiling the bundle) and a
  // new target list freed, as resident memory; the status tick gives it back once after start-up
  // and after each change of the target list. (Trimming at every tick measured no lower: what
  // stays is in use. docs/architecture.md, agent memory.)
  let trimmedFor: number | null | undefined;
  const trimAfterChange = (targetsVersion: number | null) => {
    if (targetsVersion === trimmedFor) return;
    trimmedFor = targetsVersion;
    const t0 = performance.now();
    const released = trimHeap();
    pino.debug({ event: 'heap.trimmed', targetsVersion: trimmedFor, released, ms: Math.round((performance.now() - t0) * 100) / 100 });
  };
  const publish = () => {
    const now = status();
    trimAfterChange(now.targetsVersion);
    try {
      writeStatus(config.MESHPING_AGENT_STATE_DIR, now);
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
      runtime.reconfigure(config);
      pino.info({ event: 'reload.done', configFile: file, bufferDepth: runtime.status().buffer.depth });
    } catch (err) {
      // A broken file must not take a running agent down: keep the settings it runs with.
      runtime.recordError(`reload failed, still running with the previous settings: ${(err as Error).message}`);
      pino.error({ event: 'reload.failed', message: (err as Error).message });
    }
    publish();
  });
  runtime.onFatal((message) => {
    process.stderr.write(`meshping-agent: ${message}\n`);
    publish();
    void stop().finally(() => process.exit(1));
  });
  runtime.start();
  publish();
  const shutdown = (signal: NodeJS.Signals) => {
    pino.info({ event: 'agent.stopping', signal, unacknowledged: runtime.status().buffer.depth });
    // Sends what was measured, waits for its acks, and keeps what is still unacknowledged for the next start.
    const stopping = runtime.stop(DRAIN_MS);
    clearInterval(statusTimer);
    publish(); // says "stopped" at once
    // End by the signal itself (exit status 143 / 130), as the server does: the handler was `once`.
    void stopping
      .then(publish)
      .catch((err) => pino.error({ event: 'agent.drain-failed', err }))
      .then(stop)
      .finally(() => setImmediate(() => process.kill(process.pid, signal)));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
