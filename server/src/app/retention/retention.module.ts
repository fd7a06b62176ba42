import { Module } from '@nestjs/common';
import { MeshModule } from '../mesh/mesh.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { RetentionService } from './retention.service';

@Module({
  imports: [MeshModule, MonitoringModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
