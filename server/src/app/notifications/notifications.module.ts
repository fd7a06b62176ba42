import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailerService } from '../../infra/mail/mailer.service';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { AgentsModule } from '../agents/agents.module';
import { TargetsModule } from '../targets/targets.module';
import { MaintenanceWindowEntity } from './maintenance';
import { MaintenanceService } from './maintenance.service';
import { NotificationChannelEntity, NotificationDeliveryEntity } from './notification.entities';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

@Module({
  imports: [TypeOrmModule.forFeature([NotificationChannelEntity, NotificationDeliveryEntity, MaintenanceWindowEntity]), AlertsModule, AgentsModule, TargetsModule, AuditModule],
  controllers: [NotificationsController],
  providers: [NotificationsRepository, NotificationsService, MaintenanceService, MailerService],
  exports: [NotificationsService, MaintenanceService],
})
export class NotificationsModule {}
