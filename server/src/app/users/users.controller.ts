import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { PublicBaseUrl } from '../../infra/net/public-url';
import { Access } from '../access/access.decorator';
import { Caller } from '../access/request-context';
import { PasswordResetService } from './password-reset.service';
import { CreateUserDto, toUserDto, UpdateUserDto, UserDto } from './user.dto';
import { UsersService } from './users.service';

class ResetLinkDto {
  @ApiProperty({ type: String, nullable: true, description: 'The one-time link, unless it was mailed to the user' })
  link!: string | null;
  @ApiProperty() mailed!: boolean;
  @ApiProperty({ description: 'Epoch ms' }) expiresAt!: number;
}

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly resets: PasswordResetService,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listUsers', summary: 'All user accounts' })
  @Access('admin')
  @ApiOkResponse({ type: [UserDto] })
  async list(): Promise<UserDto[]> {
    return (await this.users.list()).map(toUserDto);
  }

  @Post()
  @ApiOperation({ operationId: 'createUser', summary: 'Create a user with a role and an initial password' })
  @Access('admin')
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ description: 'Username taken' })
  async create(@Body() dto: CreateUserDto, @Caller() caller: Caller): Promise<UserDto> {
    return toUserDto(await this.users.create(dto, caller.actor, caller.source));
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateUser', summary: "Change a user's role, disabled flag or email" })
  @Access('admin')
  @ApiOkResponse({ type: UserDto })
  @ApiConflictResponse({ description: 'Would leave no active admin' })
  async update(@Param('id', ParseIntPipe) id: number, @Body() dto: UpdateUserDto, @Caller() caller: Caller): Promise<UserDto> {
    return toUserDto(await this.users.update(id, dto, caller.actor, caller.source));
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'deleteUser', summary: 'Delete a user (never the last admin)' })
  @Access('admin')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'Own account, or the last active admin' })
  async delete(@Param('id', ParseIntPipe) id: number, @Caller() caller: Caller): Promise<void> {
    await this.users.delete(id, caller.actor, caller.source);
  }

  @Post(':id/reset-link')
  @ApiOperation({ operationId: 'issuePasswordResetLink', summary: 'Issue a one-time password-reset link for a user (mailed when SMTP is set up)' })
  @Access('admin')
  @ApiCreatedResponse({ type: ResetLinkDto, description: 'A one-time reset link, valid 15 minutes; mailed when SMTP is configured and the user has an email' })
  issueResetLink(@Param('id', ParseIntPipe) id: number, @Caller() caller: Caller, @PublicBaseUrl() baseUrl: string): Promise<ResetLinkDto> {
    return this.resets.issue(id, baseUrl, caller.actor, caller.source);
  }
}
