import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { TargetsModule } from '../targets/targets.module';
import { LiveModule } from '../live/live.module';
import { UsersModule } from '../users/users.module';
import { AgentGateway } from './agent.gateway';
import { LiveGateway } from './live.gateway';

@Module({
  imports: [AgentsModule, TargetsModule, MonitoringModule, UsersModule, LiveModule],
  providers: [AgentGateway, LiveGateway],
})
export class GatewayModule {}
