import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { CLOCK, systemClock, type Clock } from '@meshping/node-kit';
import { randomInt } from 'node:crypto';
import { AGENT_CONFIG, type AgentConfig } from './config/agent-config';
import { IcmpProber } from './probe/icmp-prober';
import { PROBER } from './probe/prober';
import { AgentRuntime } from './runtime/agent-runtime';
import { PROBE_PHASE_MS, ProbeScheduler } from './scheduler/probe-scheduler';
import { BUFFER_LIMITS, bufferLimits, ResultBuffer } from './uplink/result-buffer';
import { SERVER_SILENT_MS, UPLINK_TIMING, UplinkService, type UplinkTiming } from './uplink/uplink.service';
import { sendMagicPacket, WAKE_SENDER } from './wol/wake-on-lan';

/**
 * The agent as a Nest standalone application (NestFactory.createApplicationContext: no HTTP
 * platform). Side effects stay behind tokens: PROBER (raw-socket ICMP; FakeProber in tests),
 * WAKE_SENDER (Wake-on-LAN) and CLOCK. Tests override any of them with
 * Test.createTestingModule(...).overrideProvider(...). AgentRuntime is what the daemon drives.
 */
@Module({})
export class AgentModule {
  static forRoot(config: AgentConfig, overrides: { clock?: Clock; prober?: Provider; timing?: UplinkTiming } = {}): DynamicModule {
    return {
      module: AgentModule,
      providers: [
        { provide: AGENT_CONFIG, useValue: config },
        { provide: BUFFER_LIMITS, useValue: bufferLimits(config) },
        // A fixed random phase per process (never per round: rounds stay exactly one interval apart).
        { provide: PROBE_PHASE_MS, useValue: config.MESHPING_PROBE_JITTER_MS > 0 ? randomInt(0, config.MESHPING_PROBE_JITTER_MS) : 0 },
        { provide: CLOCK, useValue: overrides.clock ?? systemClock },
        overrides.prober ?? { provide: PROBER, useClass: IcmpProber },
        { provide: UPLINK_TIMING, useValue: overrides.timing ?? { serverSilentMs: SERVER_SILENT_MS } },
        { provide: WAKE_SENDER, useValue: sendMagicPacket },
        ResultBuffer,
        ProbeScheduler,
        UplinkService,
        AgentRuntime,
      ],
    };
  }
}
