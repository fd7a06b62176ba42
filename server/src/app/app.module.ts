import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { ServeStaticModule } from '@nestjs/serve-static';
import { systemClock, type Clock } from '@meshping/node-kit';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigModule } from '../infra/config/config.module';
import type { ServerConfig } from '../infra/config/server-config';
import type { TlsInfo } from '../infra/tls/tls-info';
import { DatabaseModule } from '../infra/database/database.module';
import { AccessModule } from './access/access.module';
import { AgentsModule } from './agents/agents.module';
import { AlertsModule } from './alerts/alerts.module';
import { DormancyModule } from './dormancy/dormancy.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { GatewayModule } from './gateway/gateway.module';
import { ActivityInterceptor } from './health/activity.interceptor';
import { EventLoopWatchdog } from './health/event-loop-watchdog';
import { HealthController } from './health/health.controller';
import { MetricsController } from './health/metrics.controller';
import { MetricsService } from './health/metrics.service';
import { MonitoringModule } from './monitoring/monitoring.module';
import { NotificationsModule } from './notifications/notifications.module';
import { MeshModule } from './mesh/mesh.module';
import { RetentionModule } from './retention/retention.module';
import { StateChangesModule } from './state-changes/state-changes.module';
import { TargetsModule } from './targets/targets.module';
import { ApiTokensModule } from './tokens/api-tokens.module';
import { UsersModule } from './users/users.module';

/** The built web app: configured, or beside the built server (dist/web/browser). */
export function resolveWebDir(config: ServerConfig): string | null {
  const dir = config.MESHPING_WEB_DIR ?? join(__dirname, '..', 'web', 'browser');
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

@Module({})
export class AppModule {
  static forRoot(config: ServerConfig, clock: Clock = systemClock, tls?: TlsInfo): DynamicModule {
    const webDir = resolveWebDir(config);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, clock, tls),
        DatabaseModule,
        ScheduleModule.forRoot(),
        TerminusModule.forRoot({ logger: false }),
        AuditModule,
        UsersModule,
        AuthModule,
        ApiTokensModule,
        // After the feature modules: Nest registers routes in the order it meets modules, and that order is the OpenAPI document's.
        AccessModule.forRoot({ imports: [UsersModule, ApiTokensModule] }),
        AgentsModule,
        TargetsModule,
        MonitoringModule,
        GatewayModule,
        MeshModule,
        AlertsModule,
        DormancyModule,
        NotificationsModule,
        StateChangesModule,
        RetentionModule,
        ...(webDir ? [ServeStaticModule.forRoot({ rootPath: webDir, exclude: ['/api/{*path}'] })] : []),
      ],
      controllers: [HealthController, MetricsController],
      providers: [EventLoopWatchdog, MetricsService, { provide: APP_INTERCEPTOR, useClass: ActivityInterceptor }],
    };
  }
}
