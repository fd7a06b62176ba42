import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentEntity } from '../../app/agents/agent.entity';
import { AuditEntity } from '../../app/audit/audit.entity';
import { SessionEntity } from '../../app/auth/session.entity';
import { TargetEntity } from '../../app/targets/target.entity';
import { ApiTokenEntity } from '../../app/tokens/api-token.entity';
import { ResetTokenEntity } from '../../app/users/reset-token.entity';
import { UserEntity } from '../../app/users/user.entity';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { InitialSchema1763769600000 } from './migrations/1763769600000-initial-schema';
import { UsersAuthAudit1763856000000 } from './migrations/1763856000000-users-auth-audit';
import { TargetsEdit1763942400000 } from './migrations/1763942400000-targets-edit';
import { AgentEnrollment1764028800000 } from './migrations/1764028800000-agent-enrollment';
import { ApiTokens1764115200000 } from './migrations/1764115200000-api-tokens';
import { FullMesh1764201600000 } from './migrations/1764201600000-full-mesh';
import { SampleChunks1764288000000 } from './migrations/1764288000000-sample-chunks';
import { LatencyThresholds1764464400000 } from './migrations/1764464400000-latency-thresholds';
import { CanonicalTargets1764550000000 } from './migrations/1764550000000-canonical-targets';
import { DroppedReportKey1764720000000 } from './migrations/1764720000000-dropped-report-key';
import { serialiseSqlite } from './serialised-sqlite';
import { quietSqlite3 } from './sqlite-driver';
import { TypeOrmLogger } from './typeorm-logger';

export const DATABASE_FILE = 'meshping.sqlite';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [SERVER_CONFIG],
      useFactory: (config: ServerConfig) => {
        mkdirSync(config.MESHPING_DATA_DIR, { recursive: true, mode: 0o700 });
        // The data directory holds the database, secrets and the TLS key: the server's user only.
        chmodSync(config.MESHPING_DATA_DIR, 0o700);
        return {
          type: 'sqlite' as const,
          driver: quietSqlite3(),
          database: join(config.MESHPING_DATA_DIR, DATABASE_FILE),
          enableWAL: true,
          busyTimeout: 5000,
          entities: [AgentEntity, TargetEntity, UserEntity, SessionEntity, ResetTokenEntity, AuditEntity, ApiTokenEntity],
          migrations: [InitialSchema1763769600000, UsersAuthAudit1763856000000, TargetsEdit1763942400000, AgentEnrollment1764028800000, ApiTokens1764115200000, FullMesh1764201600000, SampleChunks1764288000000, LatencyThresholds1764464400000, CanonicalTargets1764550000000, DroppedReportKey1764720000000],
          migrationsRun: true,
          synchronize: false,
          logging: ['error'],
          // JSON lines like every other log line (TypeORM's default printed plain text).
          logger: new TypeOrmLogger(),
        };
      },
      // Concurrent transactions on the one connection must not interleave (docs/architecture.md).
      dataSourceFactory: async (options?: DataSourceOptions) => {
        if (!options) throw new Error('no data source options');
        const dataSource = new DataSource(options);
        serialiseSqlite(dataSource);
        return dataSource.initialize();
      },
    }),
  ],
})
export class DatabaseModule {}
