import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import { AccessArea } from '../access/access-area.decorator';
import { Caller } from '../access/request-context';
import { ChannelDto, CreateChannelDto, DeliveryDto, DeliveryQueryDto, UpdateChannelDto } from './notification.dto';
import { CreateMaintenanceWindowDto, MaintenanceQueryDto, MaintenanceWindowDto } from './maintenance.dto';
import { MaintenanceService } from './maintenance.service';
import { NotificationsService } from './notifications.service';

@ApiTags('alerts')
@AccessArea('alerts')
@Controller()
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly maintenance: MaintenanceService,
  ) {}

  @Get('notification-channels')
  @ApiOperation({ operationId: 'listNotificationChannels', summary: 'Where incidents are sent (URLs and secrets are never shown)' })
  @Access('operator')
  @ApiOkResponse({ type: [ChannelDto] })
  list(): Promise<ChannelDto[]> {
    return this.notifications.list();
  }

  @Post('notification-channels')
  @ApiOperation({ operationId: 'createNotificationChannel', summary: 'Add a webhook, Slack-compatible webhook, Alertmanager or email channel (audited)' })
  @Access('admin')
  @ApiCreatedResponse({ type: ChannelDto })
  @ApiConflictResponse({ description: 'The name is taken' })
  create(@Body() dto: CreateChannelDto, @Caller() caller: Caller): Promise<ChannelDto> {
    return this.notifications.create(dto, caller.actor, caller.source);
  }

  @Patch('notification-channels/:id')
  @ApiOperation({ operationId: 'updateNotificationChannel', summary: 'Change a channel; a URL or secret given replaces the stored one (audited, never logged)' })
  @Access('admin')
  @ApiOkResponse({ type: ChannelDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The name is taken' })
  update(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateChannelDto, @Caller() caller: Caller): Promise<ChannelDto> {
    return this.notifications.update(id, dto, caller.actor, caller.source);
  }

  @Delete('notification-channels/:id')
  @ApiOperation({ operationId: 'deleteNotificationChannel', summary: 'Delete a channel and its delivery log (audited)' })
  @Access('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(@Param('id', ParseIntPipe) id: number, @Caller() caller: Caller): Promise<void> {
    await this.notifications.remove(id, caller.actor, caller.source);
  }

  @Post('notification-channels/:id/test')
  @ApiOperation({ operationId: 'testNotificationChannel', summary: 'Send a test notification now and say how it went (audited)' })
  @Access('admin')
  @HttpCode(200)
  @ApiOkResponse({ type: DeliveryDto, description: 'The test delivery after its one attempt: delivered, or failed with the reason (a test is not retried)' })
  @ApiNotFoundResponse()
  test(@Param('id', ParseIntPipe) id: number, @Caller() caller: Caller): Promise<DeliveryDto> {
    return this.notifications.test(id, caller.actor, caller.source);
  }

  @Get('maintenance-windows')
  @ApiOperation({ operationId: 'listMaintenanceWindows', summary: 'Maintenance windows, latest first (during one, incidents open but nobody is told)' })
  @Access('viewer')
  @ApiOkResponse({ type: [MaintenanceWindowDto] })
  listMaintenance(@Query() query: MaintenanceQueryDto): Promise<MaintenanceWindowDto[]> {
    return this.maintenance.list(query.current ?? false);
  }

  @Post('maintenance-windows')
  @ApiOperation({ operationId: 'createMaintenanceWindow', summary: 'Start a maintenance window now or schedule one, for an agent, a target or a group (audited)' })
  @Access('operator')
  @ApiCreatedResponse({ type: MaintenanceWindowDto })
  createMaintenance(@Body() dto: CreateMaintenanceWindowDto, @Caller() caller: Caller): Promise<MaintenanceWindowDto> {
    return this.maintenance.create(dto, caller.actor, caller.source);
  }

  @Delete('maintenance-windows/:id')
  @ApiOperation({ operationId: 'endMaintenanceWindow', summary: 'End a maintenance window now (one not started yet is deleted; audited)' })
  @Access('operator')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Ended: incidents still open are told within 5 s' })
  @ApiNotFoundResponse()
  async endMaintenance(@Param('id', ParseIntPipe) id: number, @Caller() caller: Caller): Promise<void> {
    await this.maintenance.end(id, caller.actor, caller.source);
  }

  @Get('notification-deliveries')
  @ApiOperation({ operationId: 'listNotificationDeliveries', summary: 'The delivery log, newest first: what was sent where, retries and failures' })
  @Access('operator')
  @ApiOkResponse({ type: [DeliveryDto] })
  async deliveries(@Query() query: DeliveryQueryDto): Promise<DeliveryDto[]> {
    return (await this.notifications.deliveries({ ...query, limit: query.limit ?? 100 })).map(({ payload: _payload, ...d }) => d);
  }
}
