import { Test } from '@nestjs/testing';
import { CLOCK, systemClock } from '@meshping/node-kit';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentModule } from './agent.module';
import { AGENT_CONFIG, loadAgentConfig } from './config/agent-config';
import { FakeProber } from './probe/fake-prober';
import { IcmpProber } from './probe/icmp-prober';
import { PROBER } from './probe/prober';
import { AgentRuntime } from './runtime/agent-runtime';
import { PROBE_PHASE_MS, ProbeScheduler } from './scheduler/probe-scheduler';
import { ResultBuffer } from './uplink/result-buffer';
import { UplinkService } from './uplink/uplink.service';
import { sendMagicPacket, WAKE_SENDER } from './wol/wake-on-lan';

function config(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'meshping-agent-'));
  writeFileSync(join(dir, 'token'), 'a'.repeat(43));
  return loadAgentConfig({ MESHPING_SERVER_URL: 'http://127.0.0.1:9', MESHPING_AGENT_TOKEN_FILE: join(dir, 'token'), ...env });
}

describe(AgentModule.name, () => {
  it('wires the agent: config, buffer limits, clock, the prober behind PROBER, Wake-on-LAN and the runtime', async () => {
    const fake = new FakeProber();
    const cfg = config({ MESHPING_BUFFER_MAX_MB: '2', MESHPING_PROBE_JITTER_MS: '1000' });
    const moduleRef = await Test.createTestingModule({
      imports: [AgentModule.forRoot(cfg, { prober: { provide: PROBER, useValue: fake } })],
    }).compile();
    expect(moduleRef.get(AGENT_CONFIG)).toBe(cfg);
    expect(moduleRef.get(CLOCK)).toBe(systemClock);
    expect(moduleRef.get(PROBER)).toBe(fake);
    expect(moduleRef.get(ResultBuffer).currentLimits).toEqual({ windowMs: cfg.MESHPING_BUFFER_WINDOW_SECONDS * 1000, maxBytes: 2 * 1024 * 1024 });
    const phase = moduleRef.get<number>(PROBE_PHASE_MS);
    expect(phase).toBeGreaterThanOrEqual(0);
    expect(phase).toBeLessThan(1000);
    expect(moduleRef.get(ProbeScheduler)).toBeInstanceOf(ProbeScheduler);
    expect(moduleRef.get(WAKE_SENDER)).toBe(sendMagicPacket);
    const runtime = moduleRef.get(AgentRuntime);
    const halt = jest.spyOn(runtime, 'halt');
    const close = jest.spyOn(moduleRef.get(UplinkService), 'close');
    await moduleRef.close(); // shutdown hooks (the raw-socket prober's closes its sockets)
    expect(halt).toHaveBeenCalled();
    expect(close).toHaveBeenCalled();
    expect(runtime.status().connection).toBe('stopped');
  });

  it('uses the raw-socket prober unless told otherwise (not opened until the daemon starts it)', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AgentModule.forRoot(config())] }).compile();
    expect(moduleRef.get(PROBER)).toBeInstanceOf(IcmpProber);
    expect(moduleRef.get(PROBE_PHASE_MS)).toBe(0);
    await moduleRef.close();
  });
});
