import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import { AccessArea } from '../access/access-area.decorator';
import { Caller } from '../access/request-context';
import { AlertRuleDto, CreateAlertRuleDto, UpdateAlertRuleDto } from './alert-rule.dto';
import { AlertRulesService } from './alert-rules.service';
import { IncidentDetailDto, IncidentDto, IncidentQueryDto, toIncidentDto } from './incident.dto';
import { IncidentsService } from './incidents.service';

@ApiTags('alerts')
@AccessArea('alerts')
@Controller()
export class AlertsController {
  constructor(
    private readonly rules: AlertRulesService,
    private readonly incidents: IncidentsService,
  ) {}

  @Get('alert-rules')
  @ApiOperation({ operationId: 'listAlertRules', summary: 'The alert rules' })
  @Access('viewer')
  @ApiOkResponse({ type: [AlertRuleDto] })
  listRules(): Promise<AlertRuleDto[]> {
    return this.rules.list();
  }

  @Post('alert-rules')
  @ApiOperation({ operationId: 'createAlertRule', summary: 'Add an alert rule (audited)' })
  @Access('operator')
  @ApiCreatedResponse({ type: AlertRuleDto, description: 'Evaluated from the next probe interval on' })
  @ApiConflictResponse({ description: 'The name is taken, there are 100 rules, or the enabled rules would use more than 8 windows' })
  createRule(@Body() dto: CreateAlertRuleDto, @Caller() caller: Caller): Promise<AlertRuleDto> {
    return this.rules.create(dto, caller.actor, caller.source);
  }

  @Patch('alert-rules/:id')
  @ApiOperation({ operationId: 'updateAlertRule', summary: 'Change an alert rule (audited)' })
  @Access('operator')
  @ApiOkResponse({ type: AlertRuleDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The name is taken, or the enabled rules would use more than 8 windows' })
  updateRule(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateAlertRuleDto, @Caller() caller: Caller): Promise<AlertRuleDto> {
    return this.rules.update(id, dto, caller.actor, caller.source);
  }

  @Delete('alert-rules/:id')
  @ApiOperation({ operationId: 'deleteAlertRule', summary: 'Delete an alert rule (audited); its open incidents resolve unless another rule keeps them' })
  @Access('operator')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async deleteRule(@Param('id', ParseIntPipe) id: number, @Caller() caller: Caller): Promise<void> {
    await this.rules.remove(id, caller.actor, caller.source);
  }

  @Get('incidents')
  @ApiOperation({ operationId: 'listIncidents', summary: 'Incidents, newest first, one per cause' })
  @Access('viewer')
  @ApiOkResponse({ type: [IncidentDto] })
  async listIncidents(@Query() query: IncidentQueryDto): Promise<IncidentDto[]> {
    return (await this.incidents.list({ ...query, limit: query.limit ?? 100 })).map(toIncidentDto);
  }

  @Get('incidents/:id')
  @ApiOperation({ operationId: 'getIncident', summary: 'One incident with the pairs it covers' })
  @Access('viewer')
  @ApiOkResponse({ type: IncidentDetailDto })
  @ApiNotFoundResponse()
  getIncident(@Param('id', ParseIntPipe) id: number): Promise<IncidentDetailDto> {
    return this.incidents.get(id);
  }
}
