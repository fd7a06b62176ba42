import { type DynamicModule, Global, Module } from '@nestjs/common';
import { CLOCK, systemClock, type Clock } from '@meshping/node-kit';
import { TLS_INFO, type TlsInfo } from '../tls/tls-info';
import { SERVER_CONFIG, type ServerConfig } from './server-config';

/** Provides the validated configuration and the clock to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ServerConfig, clock: Clock = systemClock, tls: TlsInfo = { fingerprint: null }): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: SERVER_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: TLS_INFO, useValue: tls },
      ],
      exports: [SERVER_CONFIG, CLOCK, TLS_INFO],
    };
  }
}
