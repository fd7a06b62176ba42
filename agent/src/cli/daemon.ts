import { createLogger, systemClock } from '@meshping/node-kit';
import { mkdirSync } from 'node:fs';
import { bufferLimits, createAgent } from '../agent';
import { loadAgentSettings } from '../config/agent-config';
import { setRootLogger } from '../log';
import { IcmpProber } from '../probe/icmp-prober';
import { STATUS_EVERY_MS, writeStatus, type AgentStatus } from '../status/status-file';
import { AGENT_VERSION } from '../uplink/uplink.service';

/**
 * `meshping-agent run`: the daemon in the foreground (what systemd starts). SIGHUP re-reads the
 * config file and applies it without a restart (the buffer and the schedule stay); SIGTERM and
 * SIGINT stop it.
 */
export async function runDaemon(configFile: string | undefined): Promise<void> {
  let { config, file } = loadAgentSettings(configFile);
  IcmpProber.checkPrivilege(); // at once, before anything else starts
  const pino = createLogger('meshping-agent', config.MESHPING_LOG_LEVEL);
  setRootLogger(pino);
  const agent = createAgent(config, { clock: systemClock, prober: new IcmpProber(systemClock) });
  const { uplink, buffer, scheduler } = agent;
  const startedAt = systemClock.now();
  try {
    mkdirSync(config.MESHPING_AGENT_STATE_DIR, { recursive: true, mode: 0o700 });
  } catch (err) {
    // Probing does not need it; only `meshping-agent status` goes without.
    pino.warn({ event: 'status.unavailable', stateDir: config.MESHPING_AGENT_STATE_DIR, message: (err as Error).message });
  }

  let stopped = false;
  const status = (): AgentStatus => {
    const limits = buffer.currentLimits;
    return {
      pid: process.pid,
      version: AGENT_VERSION,
      configFile: file,
      startedAt,
      updatedAt: systemClock.now(),
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
      },
      lastError: uplink.lastError,
    };
  };
  const publish = () => {
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
    agent.stop();
    process.exit(1);
  });
  agent.start();
  publish();
  const shutdown = (signal: NodeJS.Signals) => {
    pino.info({ event: 'agent.stopping', signal, unacknowledged: buffer.depth() });
    stopped = true;
    clearInterval(statusTimer);
    publish();
    agent.stop();
    // End by the signal itself (exit status 143 / 130), as the server does: the handler was `once`.
    setImmediate(() => process.kill(process.pid, signal));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
