import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { TargetsModule } from '../targets/targets.module';
import { MonitoringController } from './monitoring.controller';
import { MonitoringService } from './monitoring.service';
import { SamplesRepository } from './samples.repository';

@Module({
  imports: [AgentsModule, TargetsModule],
  controllers: [MonitoringController],
  providers: [SamplesRepository, MonitoringService],
  exports: [MonitoringService],
})
export class MonitoringModule {}
