import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { AgentDto } from './agent.dto';
import { AgentsService } from './agents.service';

@ApiTags('agents')
@Controller('agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @Access('viewer')
  @ApiOkResponse({ type: [AgentDto], description: 'Every known agent with its state and connection' })
  list(): Promise<AgentDto[]> {
    return this.agents.list();
  }
}
