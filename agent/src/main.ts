import { NestFactory } from '@nestjs/core';
import { ConfigError, createLogger, PinoNestLogger } from '@meshping/node-kit';
import { AgentModule } from './agent.module';
import { loadAgentConfig } from './config/agent-config';
import { MissingPrivilegeError, PROBER, type Prober } from './probe/prober';
import { UplinkService } from './uplink/uplink.service';
import { probeCommand } from './cli/probe-command';

/** Exit codes: 78 = configuration (EX_CONFIG), 77 = missing privilege (EX_NOPERM). */
async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'probe') {
    process.exitCode = await probeCommand(args, (line) => process.stdout.write(`${line}\n`));
    return;
  }
  const config = loadAgentConfig();
  const logger = new PinoNestLogger(createLogger('meshping-agent', config.MESHPING_LOG_LEVEL));
  // A standalone application: dependency injection and lifecycle, no HTTP server.
  const app = await NestFactory.createApplicationContext(AgentModule.forRoot(config), { logger, abortOnError: false });
  app.enableShutdownHooks();
  app.get<Prober>(PROBER).open();
  const uplink = app.get(UplinkService);
  uplink.fatal$.subscribe((message) => {
    process.stderr.write(`meshping-agent: ${message}\n`);
    void app.close().finally(() => process.exit(1));
  });
  uplink.start();
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  if (err instanceof MissingPrivilegeError) {
    process.stderr.write(`meshping-agent: ${err.message}\n`);
    process.exit(77);
  }
  process.stderr.write(`meshping-agent failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
