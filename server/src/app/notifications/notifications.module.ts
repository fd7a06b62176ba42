import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailerService } from '../../infra/mail/mailer.service';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { NotificationChannelEntity, NotificationDeliveryEntity } from './notification.entities';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

@Module({
  imports: [TypeOrmModule.forFeature([NotificationChannelEntity, NotificationDeliveryEntity]), AlertsModule, AuditModule],
  controllers: [NotificationsController],
  providers: [NotificationsRepository, NotificationsService, MailerService],
  exports: [NotificationsService],
})
export class NotificationsModule {}
