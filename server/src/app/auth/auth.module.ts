import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { ApiTokensModule } from '../tokens/api-tokens.module';
import { UsersModule } from '../users/users.module';
import { AccessGuard } from './access.guard';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LocalStrategy } from './local.strategy';
import { SessionJanitor } from './session-janitor';
import { SessionEntity } from './session.entity';
import { SessionStore } from './session.store';
import { SetupService } from './setup.service';
import { SocketAuth } from './socket-auth';

@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity]), PassportModule, UsersModule, AuditModule, ApiTokensModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    SetupService,
    LocalStrategy,
    SessionStore,
    SessionJanitor,
    SocketAuth,
    AccessGuard,
    { provide: APP_GUARD, useExisting: AccessGuard },
  ],
  exports: [SessionStore, AccessGuard, AuthService, SocketAuth],
})
export class AuthModule {}
