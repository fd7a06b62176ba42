import { type DynamicModule, Global, Module } from '@nestjs/common';
import { CLOCK, systemClock, type Clock } from '@meshping/node-kit';
import { SERVER_CONFIG, type ServerConfig } from './server-config';

/** Provides the validated configuration and the clock to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ServerConfig, clock: Clock = systemClock): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: SERVER_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
      ],
      exports: [SERVER_CONFIG, CLOCK],
    };
  }
}
