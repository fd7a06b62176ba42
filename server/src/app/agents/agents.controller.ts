import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { normaliseMac } from '@meshping/protocol';
import { Transform } from 'class-transformer';
import { IsIP, Matches } from 'class-validator';
import { PublicBaseUrl } from '../../infra/net/public-url';
import { OptionalNotNull } from '../../infra/validation/optional';
import { Access } from '../access/access.decorator';
import { AccessArea, SessionOnly } from '../access/access-area.decorator';
import { Caller } from '../access/request-context';
import { AgentDto, UpdateAgentDto } from './agent.dto';
import { AgentsService } from './agents.service';
import { EnrollmentService } from './enrollment.service';

class ApproveDto {
  @ApiPropertyOptional({ nullable: false, description: 'The address the operator saw; approval is refused if the agent has moved again since' })
  @OptionalNotNull()
  @IsIP()
  ip?: string;
}

class WakeDto {
  @ApiProperty({ example: '00:11:22:aa:bb:cc', description: 'MAC address of the host to wake (colons, dashes or Cisco dots)' })
  @Transform(({ value }) => (typeof value === 'string' ? (normaliseMac(value) ?? value) : value))
  @Matches(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, { message: 'mac must be a MAC address like 00:11:22:aa:bb:cc' })
  mac!: string;

  @ApiPropertyOptional({ example: '192.0.2.255', nullable: false, description: "The segment's IPv4 broadcast address; default 255.255.255.255" })
  @OptionalNotNull()
  @IsIP(4, { message: 'broadcast must be an IPv4 address' })
  broadcast?: string;
}

class EnrollmentDto {
  @ApiProperty({ description: "The join passphrase: the server's URL, its certificate's SHA-256 fingerprint and the secret" })
  passphrase!: string;
  @ApiProperty({ description: 'The command line that registers an agent with this server' })
  command!: string;
  @ApiProperty({ description: "SHA-256 fingerprint of the server's TLS certificate" })
  fingerprint!: string;
}

@ApiTags('agents')
@AccessArea('agents')
@Controller()
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly enrollment: EnrollmentService,
  ) {}

  @Get('agents')
  @ApiOperation({ operationId: 'listAgents', summary: 'All agents with their enrollment state, online flag and last contact' })
  @Access('viewer')
  @ApiOkResponse({ type: [AgentDto], description: 'Every known agent with its state and connection' })
  list(): Promise<AgentDto[]> {
    return this.agents.list();
  }

  @Patch('agents/:id')
  @ApiOperation({ operationId: 'updateAgent', summary: "Change an agent's group" })
  @Access('operator')
  @ApiOkResponse({ type: AgentDto })
  @ApiNotFoundResponse()
  async update(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateAgentDto, @Caller() caller: Caller): Promise<AgentDto> {
    const agent = await this.agents.view(id);
    return this.agents.setGroup(id, dto.group === undefined ? agent.group : dto.group, caller.actor, caller.source);
  }

  @Post('agents/:id/approve')
  @ApiOperation({ operationId: 'approveAgent', summary: 'Approve a pending or held agent (optionally only from one address)' })
  @Access('operator')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Approved (or re-approved from hold, accepting its new address); a connected agent starts at once' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Already approved, or blacklisted' })
  async approve(@Param('id', ParseIntPipe) id: number, @Body() dto: ApproveDto, @Caller() caller: Caller): Promise<void> {
    await this.agents.approve(id, caller.actor, caller.source, dto.ip);
  }

  @Post('agents/:id/reject')
  @ApiOperation({ operationId: 'rejectAgent', summary: 'Reject a pending agent: its key is refused from now on' })
  @Access('operator')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Blacklisted: disconnected, and its key refused from now on' })
  @ApiNotFoundResponse()
  async reject(@Param('id', ParseIntPipe) id: number, @Caller() caller: Caller): Promise<void> {
    await this.agents.reject(id, caller.actor, caller.source);
  }

  @Post('agents/:id/wake')
  @ApiOperation({ operationId: 'wakeAgent', summary: 'Ask an agent to broadcast a Wake-on-LAN packet to a MAC address on its segment' })
  @Access('operator')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'Passed to the agent, which broadcasts the magic packet on its segment (audited as agent.wake)' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The agent is not approved, or not connected' })
  async wake(@Param('id', ParseIntPipe) id: number, @Body() dto: WakeDto, @Caller() caller: Caller): Promise<void> {
    await this.agents.wake(id, dto.mac, dto.broadcast, caller.actor, caller.source);
  }

  @Delete('agents/:id')
  @ApiOperation({ operationId: 'deleteAgent', summary: 'Delete an agent and its stored results' })
  @Access('operator')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted and disconnected; it may register again with the passphrase' })
  @ApiNotFoundResponse()
  async remove(@Param('id', ParseIntPipe) id: number, @Caller() caller: Caller): Promise<void> {
    await this.agents.remove(id, caller.actor, caller.source);
  }

  @Get('enrollment')
  @ApiOperation({ operationId: 'getEnrollment', summary: 'The join passphrase, the install command and the server certificate fingerprint' })
  @Access('admin')
  @SessionOnly()
  @ApiOkResponse({ type: EnrollmentDto, description: 'The join passphrase and the agent command line to copy' })
  @ApiConflictResponse({ description: 'The server runs without TLS (MESHPING_TLS=off): agents cannot enrol' })
  async passphrase(@PublicBaseUrl() baseUrl: string): Promise<EnrollmentDto> {
    const { passphrase, fingerprint } = await this.enrollment.passphrase(baseUrl);
    return { passphrase, fingerprint, command: `MESHPING_PASSPHRASE='${passphrase}' meshping-agent` };
  }

  @Post('enrollment/rotate')
  @ApiOperation({ operationId: 'rotateEnrollment', summary: 'Replace the join passphrase; the old one stops working at once' })
  @Access('admin')
  @SessionOnly()
  @HttpCode(200)
  @ApiOkResponse({ type: EnrollmentDto, description: 'A new passphrase; the old one is refused for new registrations from now on' })
  @ApiConflictResponse({ description: 'The server runs without TLS (MESHPING_TLS=off): nothing rotated' })
  async rotate(@Caller() caller: Caller, @PublicBaseUrl() baseUrl: string): Promise<EnrollmentDto> {
    await this.enrollment.rotate(caller.actor, caller.source);
    return this.passphrase(baseUrl);
  }
}
