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
import { MIGRATIONS } from './migrations';
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
          migrations: MIGRATIONS,
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
