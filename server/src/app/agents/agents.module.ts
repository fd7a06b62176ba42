import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LocalTrustService } from '../../infra/local-trust/local-trust.service';
import { AuditModule } from '../audit/audit.module';
import { AgentHandshakeService } from './agent-handshake.service';
import { AgentEntity } from './agent.entity';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';
import { EnrollmentService } from './enrollment.service';

@Module({
  imports: [TypeOrmModule.forFeature([AgentEntity]), AuditModule],
  controllers: [AgentsController],
  providers: [AgentsRepository, AgentsService, EnrollmentService, LocalTrustService, AgentHandshakeService],
  exports: [AgentsService, EnrollmentService, AgentHandshakeService],
})
export class AgentsModule {}
