import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Post, Put, Req, Res, UnauthorizedException, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { Access } from '../access/access.decorator';
import { Caller, SourceAddress } from '../access/request-context';
import { CSRF_COOKIE } from '../access/session.types';
import { PasswordResetService } from '../users/password-reset.service';
import { ChangePasswordDto, LoginDto, toUserDto } from '../users/user.dto';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { ResetPasswordDto, SessionDto, SetupDto, SetupStatusDto } from './auth.dto';
import { AuthService } from './auth.service';
import { DEVICE_COOKIE, DEVICE_COOKIE_DAYS } from './device-cookie';
import { LocalAuthGuard } from './local.strategy';
import { SetupService } from './setup.service';
import { RetryAfterFilter } from './too-many-attempts';

/**
 * Signing in and out, setup, password change and reset. The one controller that handles the
 * Express request and response itself: it starts and ends sessions and sets their cookies; the
 * services get plain values.
 */
@ApiTags('auth')
@Controller('auth')
@UseFilters(RetryAfterFilter)
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly setup: SetupService,
    private readonly users: UsersService,
    private readonly resets: PasswordResetService,
    @Inject(CLOCK) private readonly clock: Clock,
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
  async login(@Req() req: Request, @Res({ passthrough: true }) res: Response, @SourceAddress() source: string | null): Promise<SessionDto> {
    const user = req.user as UserEntity;
    return { user: toUserDto(user), csrfToken: await this.startSession(req, res, user, source) };
  }

  @Post('logout')
  @ApiOperation({ operationId: 'logout', summary: 'Sign out and end this session' })
  @Access('self')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Signed out: the session is destroyed' })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Caller() caller: Caller): Promise<void> {
    await new Promise<void>((ok) => req.session.destroy(() => ok()));
    res.clearCookie(CSRF_COOKIE, { path: '/' });
    if (caller.user) await this.auth.signedOut(caller.user, caller.source);
  }

  @Get('session')
  @ApiOperation({ operationId: 'getSession', summary: "The signed-in user and this session's CSRF token" })
  @Access('self')
  @ApiOkResponse({ type: SessionDto, description: 'Who is signed in (and the CSRF token, refreshed as a cookie)' })
  async session(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Caller() caller: Caller): Promise<SessionDto> {
    const user = await this.account(caller);
    this.setCsrfCookie(res, req.session.csrf as string);
    return { user: toUserDto(user), csrfToken: req.session.csrf as string };
  }

  @Put('password')
  @ApiOperation({ operationId: 'changePassword', summary: 'Change your own password; other sessions of yours end' })
  @Access('self')
  @ApiOkResponse({ type: SessionDto, description: "Password changed; the user's other sessions are ended, this one continues under a new id" })
  @ApiBadRequestResponse({ description: 'Current password wrong, or the new one invalid' })
  async changePassword(@Body() dto: ChangePasswordDto, @Req() req: Request, @Res({ passthrough: true }) res: Response, @Caller() caller: Caller): Promise<SessionDto> {
    const user = await this.account(caller);
    if (!(await this.auth.verifyCurrentPassword(user, dto.currentPassword, caller.source))) {
      throw new BadRequestException('currentPassword is wrong');
    }
    const updated = await this.users.setPassword(user, dto.newPassword, caller.actor, 'user.password-changed', caller.source);
    // setPassword audited the change; the new session is not audited as a login.
    return { user: toUserDto(updated), csrfToken: await this.startSession(req, res, updated, caller.source, null) };
  }

  @Post('reset')
  @ApiOperation({ operationId: 'resetPassword', summary: 'Set a new password with a one-time reset token' })
  @Access('public')
  @HttpCode(204)
  @ApiNoContentResponse({ description: "Password set; all the user's sessions are ended" })
  @ApiBadRequestResponse({ description: 'Link invalid, used or expired; or the new password invalid' })
  async reset(@Body() dto: ResetPasswordDto, @SourceAddress() source: string | null): Promise<void> {
    await this.resets.redeem(dto.token, dto.newPassword, source);
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
  async completeSetup(@Body() dto: SetupDto, @Req() req: Request, @Res({ passthrough: true }) res: Response, @SourceAddress() source: string | null): Promise<SessionDto> {
    const { setupCode, ...fields } = dto;
    const admin = await this.setup.complete(setupCode, { ...fields, role: 'admin' }, source);
    return { user: toUserDto(admin), csrfToken: await this.startSession(req, res, admin, source) };
  }

  /** The signed-in account, read afresh (the guard's copy is access control's view of it). */
  private async account(caller: Caller): Promise<UserEntity> {
    const user = caller.user && (await this.users.findById(caller.user.id));
    if (!user) throw new UnauthorizedException('Log in first.');
    return user;
  }

  /** A fresh session (new id: no fixation) for a user who just proved who they are; audited as `action` unless null. */
  private async startSession(req: Request, res: Response, user: UserEntity, source: string | null, action: string | null = 'login'): Promise<string> {
    await new Promise<void>((ok, fail) => req.session.regenerate((err) => (err ? fail(err) : ok())));
    const csrf = randomBytes(32).toString('base64url');
    Object.assign(req.session, { userId: user.id, epoch: user.sessionEpoch, createdAt: this.clock.now(), csrf });
    await new Promise<void>((ok, fail) => req.session.save((err) => (err ? fail(err) : ok())));
    this.setCsrfCookie(res, csrf);
    res.cookie(DEVICE_COOKIE, this.auth.deviceToken(user), {
      httpOnly: true,
      secure: this.auth.secure,
      sameSite: 'strict',
      path: '/api/auth',
      maxAge: DEVICE_COOKIE_DAYS * 86_400_000,
    });
    if (action) await this.auth.signedIn(user, action, source);
    return csrf;
  }

  private setCsrfCookie(res: Response, csrf: string): void {
    // Readable by the page's script (the web app echoes it in X-XSRF-TOKEN), useless to other origins.
    res.cookie(CSRF_COOKIE, csrf, { httpOnly: false, secure: this.auth.secure, sameSite: 'strict', path: '/' });
  }
}
