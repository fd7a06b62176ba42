import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LocalStrategy } from './local.strategy';
import { SessionJanitor } from './session-janitor';
import { SetupService } from './setup.service';

/** Signing in and out, first-run setup, password change and reset. The sessions themselves are the access kernel's (AccessModule). */
@Module({
  imports: [PassportModule, UsersModule, AuditModule],
  controllers: [AuthController],
  providers: [AuthService, SetupService, LocalStrategy, SessionJanitor],
  exports: [AuthService],
})
export class AuthModule {}
