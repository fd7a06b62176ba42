import { type DynamicModule, Global, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from './access.guard';
import { OriginPolicy } from './origin-policy';
import { SessionPolicy } from './session-policy';
import { SessionEntity } from './session.entity';
import { SessionStore } from './session.store';
import { SocketAuth } from './socket-auth';

/**
 * The access kernel: the global guard, sessions (store, the one liveness rule, the Origin rule)
 * and the browser socket handshake. Features import its decorators and request context; it imports
 * no feature. What it needs from them, an account by id and a bearer token checked, it names as
 * USER_DIRECTORY and TOKEN_VERIFIER (principals.ts): `forRoot` is given the modules that export
 * them, so only the composition root (AppModule) knows both sides.
 */
@Global()
@Module({})
export class AccessModule {
  static forRoot(options: { imports: NonNullable<ModuleMetadata['imports']> }): DynamicModule {
    return {
      module: AccessModule,
      imports: [TypeOrmModule.forFeature([SessionEntity]), ...options.imports],
      providers: [SessionStore, SessionPolicy, OriginPolicy, SocketAuth, AccessGuard, { provide: APP_GUARD, useExisting: AccessGuard }],
      exports: [SessionStore, SessionPolicy, SocketAuth],
    };
  }
}
