import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { CLOCK, systemClock, type Clock } from '@meshping/node-kit';
import { AGENT_CONFIG, type AgentConfig } from './config/agent-config';
import { IcmpProber } from './probe/icmp-prober';
import { PROBER } from './probe/prober';
import { ProbeScheduler } from './scheduler/probe-scheduler';
import { BUFFER_LIMITS, ResultBuffer, type BufferLimits } from './uplink/result-buffer';
import { UplinkService } from './uplink/uplink.service';

@Module({})
export class AgentModule {
  static forRoot(config: AgentConfig, overrides: { clock?: Clock; prober?: Provider } = {}): DynamicModule {
    return {
      module: AgentModule,
      providers: [
        { provide: AGENT_CONFIG, useValue: config },
        { provide: BUFFER_LIMITS, useValue: bufferLimits(config) },
        { provide: CLOCK, useValue: overrides.clock ?? systemClock },
        overrides.prober ?? { provide: PROBER, useClass: IcmpProber },
        ResultBuffer,
        ProbeScheduler,
        UplinkService,
      ],
    };
  }
}

export function bufferLimits(config: AgentConfig): BufferLimits {
  return { windowMs: config.MESHPING_BUFFER_WINDOW_SECONDS * 1000, maxBytes: config.MESHPING_BUFFER_MAX_MB * 1024 * 1024 };
}
