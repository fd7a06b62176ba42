import { BadRequestException, Body, Controller, Get, HttpCode, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PasswordResetService } from '../users/password-reset.service';
import { ChangePasswordDto, LoginDto, toUserDto } from '../users/user.dto';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { Access } from '../access/access.decorator';
import { actorOf } from '../access/request-context';
import { ResetPasswordDto, SessionDto, SetupDto, SetupStatusDto } from './auth.dto';
import { AuthService } from './auth.service';
import { LocalAuthGuard } from './local.strategy';
import { SetupService } from './setup.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly setup: SetupService,
    private readonly users: UsersService,
    private readonly resets: PasswordResetService,
  ) {}

  @Post('login')
  @ApiOperation({ operationId: 'login', summary: 'Sign in: sets the session cookie and returns the CSRF token for writes' })
  @Access('public')
  @UseGuards(LocalAuthGuard)
  @HttpCode(200)
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: SessionDto, description: 'Signed in: the session cookie is set' })
  @ApiUnauthorizedResponse({ description: 'Wrong username or password' })
  @ApiTooManyRequestsResponse({ description: '10 failed logins within 15 minutes from this network (IPv4 address, IPv6 /64) or for this account, or from this device cookie; or too many password checks at once (try again in a moment)' })
  async login(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<SessionDto> {
    const user = req.user as UserEntity;
    return { user: toUserDto(user), csrfToken: await this.auth.startSession(req, res, user) };
  }

  @Post('logout')
  @ApiOperation({ operationId: 'logout', summary: 'Sign out and end this session' })
  @Access('self')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Signed out: the session is destroyed' })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.endSession(req, res);
  }

  @Get('session')
  @ApiOperation({ operationId: 'getSession', summary: "The signed-in user and this session's CSRF token" })
  @Access('self')
  @ApiOkResponse({ type: SessionDto, description: 'Who is signed in (and the CSRF token, refreshed as a cookie)' })
  session(@Req() req: Request, @Res({ passthrough: true }) res: Response): SessionDto {
    this.auth.setCsrfCookie(res, req.session.csrf as string);
    return { user: toUserDto(req.currentUser as UserEntity), csrfToken: req.session.csrf as string };
  }

  @Put('password')
  @ApiOperation({ operationId: 'changePassword', summary: 'Change your own password; other sessions of yours end' })
  @Access('self')
  @ApiOkResponse({ type: SessionDto, description: "Password changed; the user's other sessions are ended, this one continues under a new id" })
  @ApiBadRequestResponse({ description: 'Current password wrong, or the new one invalid' })
  async changePassword(@Body() dto: ChangePasswordDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<SessionDto> {
    const user = req.currentUser as UserEntity;
    if (!(await this.auth.verifyCurrentPassword(req, user, dto.currentPassword))) {
      throw new BadRequestException('currentPassword is wrong');
    }
    const updated = await this.users.setPassword(user, dto.newPassword, actorOf(req), 'user.password-changed', req.ip ?? null);
    return { user: toUserDto(updated), csrfToken: await this.auth.startSession(req, res, updated, '') };
  }

  @Post('reset')
  @ApiOperation({ operationId: 'resetPassword', summary: 'Set a new password with a one-time reset token' })
  @Access('public')
  @HttpCode(204)
  @ApiNoContentResponse({ description: "Password set; all the user's sessions are ended" })
  @ApiBadRequestResponse({ description: 'Link invalid, used or expired; or the new password invalid' })
  async reset(@Body() dto: ResetPasswordDto, @Req() req: Request): Promise<void> {
    await this.resets.redeem(dto.token, dto.newPassword, req.ip ?? null);
  }

  @Get('setup')
  @ApiOperation({ operationId: 'getSetupStatus', summary: 'Whether first-run setup is still needed (no users yet)' })
  @Access('public')
  @ApiOkResponse({ type: SetupStatusDto })
  setupStatus(): SetupStatusDto {
    return { required: this.setup.required };
  }

  @Post('setup')
  @ApiOperation({ operationId: 'completeSetup', summary: 'First run: create the first admin with the setup code printed by the server' })
  @Access('public')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionDto, description: 'First admin created and signed in' })
  async completeSetup(@Body() dto: SetupDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<SessionDto> {
    const { setupCode, ...fields } = dto;
    const admin = await this.setup.complete(setupCode, { ...fields, role: 'admin' }, req.ip ?? null);
    return { user: toUserDto(admin), csrfToken: await this.auth.startSession(req, res, admin) };
  }
}
