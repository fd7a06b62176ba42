import { Module } from '@nestjs/common';
import { LocalTrustService } from '../../infra/local-trust/local-trust.service';
import { AgentsModule } from '../agents/agents.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { TargetsModule } from '../targets/targets.module';
import { MeshModule } from '../mesh/mesh.module';
import { UsersModule } from '../users/users.module';
import { AgentGateway } from './agent.gateway';
import { LiveGateway } from './live.gateway';

@Module({
  imports: [AgentsModule, TargetsModule, MonitoringModule, UsersModule, MeshModule],
  providers: [LocalTrustService, AgentGateway, LiveGateway],
})
export class GatewayModule {}
