import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { MeshModule } from '../mesh/mesh.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { TargetsModule } from '../targets/targets.module';
import { AlertEngineService } from './alert-engine.service';
import { AlertRuleEntity } from './alert-rule.entity';
import { AlertRulesRepository } from './alert-rules.repository';
import { AlertRulesService } from './alert-rules.service';
import { AlertsController } from './alerts.controller';
import { IncidentEntity } from './incident.entity';
import { IncidentsRepository } from './incidents.repository';
import { IncidentsService } from './incidents.service';

@Module({
  imports: [TypeOrmModule.forFeature([AlertRuleEntity, IncidentEntity]), AgentsModule, TargetsModule, MonitoringModule, MeshModule, AuditModule],
  controllers: [AlertsController],
  providers: [AlertRulesRepository, AlertRulesService, IncidentsRepository, IncidentsService, AlertEngineService],
  exports: [AlertEngineService, IncidentsService],
})
export class AlertsModule {}
