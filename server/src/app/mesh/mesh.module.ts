import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuditModule } from '../audit/audit.module';
import { TargetsModule } from '../targets/targets.module';
import { MeshService } from './mesh.service';
import { SettingsController } from './settings.controller';
import { SettingsService } from './settings.service';

@Module({
  imports: [AgentsModule, TargetsModule, AuditModule],
  controllers: [SettingsController],
  providers: [SettingsService, MeshService],
  exports: [SettingsService],
})
export class MeshModule {}
