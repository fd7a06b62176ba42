import { Module } from '@nestjs/common';
import { MeshModule } from '../mesh/mesh.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { TargetsModule } from '../targets/targets.module';
import { DormancyService } from './dormancy.service';

/** Back-off probing of long-unreachable targets (DormancyService). */
@Module({
  imports: [MonitoringModule, TargetsModule, MeshModule],
  providers: [DormancyService],
})
export class DormancyModule {}
