import type { Clock } from '@meshping/node-kit';
import { randomInt } from 'node:crypto';
import type { AgentConfig } from './config/agent-config';
import type { Prober } from './probe/prober';
import { ProbeScheduler } from './scheduler/probe-scheduler';
import { ResultBuffer, type BufferLimits } from './uplink/result-buffer';
import { UplinkService } from './uplink/uplink.service';

/**
 * The agent's composition root: what Nest's container did for the agent, by hand. The agent needs
 * four objects wired once; Nest's runtime alone would cost more memory (~21 MB for @nestjs/common,
 * ~28 MB with @nestjs/core) than the agent's whole working set, and its 64 MB budget is tight
 * (docs/architecture.md). Side effects stay behind interfaces: the prober and the clock are given.
 */
export interface Agent {
  prober: Prober;
  buffer: ResultBuffer;
  scheduler: ProbeScheduler;
  uplink: UplinkService;
  start(): void;
  stop(): void;
}

export function createAgent(config: AgentConfig, deps: { clock: Clock; prober: Prober }): Agent {
  const buffer = new ResultBuffer(deps.clock, bufferLimits(config));
  // A fixed random phase per process (never per round: rounds stay exactly one interval apart).
  const phase = config.MESHPING_PROBE_JITTER_MS > 0 ? randomInt(0, config.MESHPING_PROBE_JITTER_MS) : 0;
  const scheduler = new ProbeScheduler(deps.prober, deps.clock, buffer, phase);
  const uplink = new UplinkService(config, deps.clock, scheduler, buffer);
  return {
    prober: deps.prober,
    buffer,
    scheduler,
    uplink,
    start() {
      deps.prober.open();
      uplink.start();
    },
    stop() {
      uplink.stop();
      deps.prober.close();
    },
  };
}

export function bufferLimits(config: AgentConfig): BufferLimits {
  return { windowMs: config.MESHPING_BUFFER_WINDOW_SECONDS * 1000, maxBytes: config.MESHPING_BUFFER_MAX_MB * 1024 * 1024 };
}
