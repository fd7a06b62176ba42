import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { TargetDto } from './target.dto';
import { TargetsService } from './targets.service';

@ApiTags('targets')
@Controller('targets')
export class TargetsController {
  constructor(private readonly targets: TargetsService) {}

  @Get()
  @Access('viewer')
  @ApiOkResponse({ type: [TargetDto], description: 'The central target list every agent probes' })
  list(): readonly TargetDto[] {
    return this.targets.list();
  }
}
