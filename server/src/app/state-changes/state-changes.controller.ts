import { BadRequestException, Controller, Get, Param, ParseIntPipe, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import { AccessArea } from '../access/access-area.decorator';
import { MAX_STATE_CHANGE_PAGE, PairStateChangeQueryDto, StateChangeDto, StateChangeQueryDto, toStateChangeDto } from './state-change.dto';
import { StateChangesService } from './state-changes.service';

@ApiTags('monitoring')
@AccessArea('monitoring')
@Controller()
export class StateChangesController {
  constructor(private readonly stateChanges: StateChangesService) {}

  @Get('state-changes')
  @ApiOperation({ operationId: 'listStateChanges', summary: 'The state-change log: every transition of a pair, target or agent, newest first' })
  @Access('viewer')
  @ApiOkResponse({ type: [StateChangeDto], description: `Newest first (in the order recorded); at most \`limit\` (default 100, at most ${MAX_STATE_CHANGE_PAGE}); the next page: \`before\` = the last id` })
  @ApiBadRequestResponse({ description: 'A bad kind, state, id, time or paging value, or from not before to (the message names the field)' })
  async list(@Query() query: StateChangeQueryDto): Promise<StateChangeDto[]> {
    if (query.from !== undefined && query.to !== undefined && query.from >= query.to) throw new BadRequestException(['from must be before to']);
    return (await this.stateChanges.list({ ...query, limit: query.limit ?? 100 })).map(toStateChangeDto);
  }

  @Get('pairs/:agentId/:targetId/state-changes')
  @ApiOperation({ operationId: 'listPairStateChanges', summary: "One pair's last transitions, newest first (the grid's hover)" })
  @Access('viewer')
  @ApiOkResponse({ type: [StateChangeDto] })
  async pair(@Param('agentId', ParseIntPipe) agentId: number, @Param('targetId', ParseIntPipe) targetId: number, @Query() query: PairStateChangeQueryDto): Promise<StateChangeDto[]> {
    return (await this.stateChanges.lastOfPair(agentId, targetId, query.limit ?? 5)).map(toStateChangeDto);
  }
}
