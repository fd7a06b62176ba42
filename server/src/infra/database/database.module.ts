import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentEntity } from '../../app/agents/agent.entity';
import { TargetEntity } from '../../app/targets/target.entity';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';
import { InitialSchema1763769600000 } from './migrations/1763769600000-initial-schema';

export const DATABASE_FILE = 'meshping.sqlite';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [SERVER_CONFIG],
      useFactory: (config: ServerConfig) => {
        mkdirSync(config.MESHPING_DATA_DIR, { recursive: true, mode: 0o700 });
        return {
          type: 'sqlite' as const,
          database: join(config.MESHPING_DATA_DIR, DATABASE_FILE),
          enableWAL: true,
          busyTimeout: 5000,
          entities: [AgentEntity, TargetEntity],
          migrations: [InitialSchema1763769600000],
          migrationsRun: true,
          synchronize: false,
          logging: ['error'],
        };
      },
    }),
  ],
})
export class DatabaseModule {}
