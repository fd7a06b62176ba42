import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { MeshModule } from '../mesh/mesh.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { TargetsModule } from '../targets/targets.module';
import { LiveFeedService } from './live-feed.service';

@Module({
  imports: [AgentsModule, TargetsModule, MeshModule, MonitoringModule],
  providers: [LiveFeedService],
  exports: [LiveFeedService],
})
export class LiveModule {}
