import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { MeshModule } from '../mesh/mesh.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { TargetsModule } from '../targets/targets.module';
import { StateChangesController } from './state-changes.controller';
import { StateChangesRepository } from './state-changes.repository';
import { StateChangesService } from './state-changes.service';

@Module({
  imports: [AgentsModule, TargetsModule, MonitoringModule, MeshModule],
  controllers: [StateChangesController],
  providers: [StateChangesRepository, StateChangesService],
  exports: [StateChangesService],
})
export class StateChangesModule {}
