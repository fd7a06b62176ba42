import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { MeshModule } from '../mesh/mesh.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { StateChangesModule } from '../state-changes/state-changes.module';
import { RetentionService } from './retention.service';

@Module({
  imports: [MeshModule, MonitoringModule, AlertsModule, NotificationsModule, StateChangesModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
