import { HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { parse as parseCookies } from 'cookie';
import type { Request, Response } from 'express';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { persistentSecret } from '../../infra/secrets/secrets';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { AuditService } from '../audit/audit.service';
import { burnVerifyTime } from '../users/password';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { LoginThrottle } from './login-throttle';
import { CSRF_COOKIE, DEVICE_COOKIE } from './session.types';

const DEVICE_COOKIE_DAYS = 180;

/** Credentials, sessions and the login throttle. */
@Injectable()
export class AuthService {
  private readonly throttle: LoginThrottle;
  private readonly deviceKey: string;

  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.throttle = new LoginThrottle(clock);
    this.deviceKey = persistentSecret(config.MESHPING_DATA_DIR, 'device.key');
  }

  get secure(): boolean {
    return this.config.MESHPING_TLS === 'on' || this.config.MESHPING_TRUST_PROXY !== false;
  }

  /**
   * Checks a username and password. Throttled per source address and per account, or, when the
   * request carries a device cookie this server issued to that user at an earlier successful login
   * (OWASP "device cookies"), per device instead.
   */
  async verifyCredentials(req: Request, username: string, password: string): Promise<UserEntity> {
    const source = req.ip ?? 'unknown';
    const device = this.deviceFrom(req, username);
    // A browser that logged in as this user before counts on its own; others count per source
    // address and per account. So a burst from elsewhere, or from behind the same NAT or proxy,
    // cannot lock the user out of their own browser.
    const keys = device ? [`device:${device}`] : [`ip:${source}`, `account:${username.toLowerCase()}`];
    const wait = this.throttle.blockedFor(keys);
    if (wait > 0) {
      await this.audit.record({ actor: null, action: 'login.throttled', subject: `user:${username}`, source });
      const minutes = Math.ceil(wait / 60_000);
      throw new HttpException(
        `Too many failed logins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const user = await this.users.findByUsername(username);
    const ok = user ? await this.users.verifyPassword(user, password) : (await burnVerifyTime(password), false);
    if (!user || !ok || user.disabled) {
      this.throttle.fail(keys);
      await this.audit.record({ actor: null, action: 'login.failed', subject: `user:${username}`, source });
      // One message for unknown user, wrong password and disabled account: no enumeration.
      throw new UnauthorizedException('Wrong username or password.');
    }
    this.throttle.clear(keys[keys.length - 1]);
    return user;
  }

  /** A fresh session (new id: no fixation) for a user who just proved who they are. */
  async startSession(req: Request, res: Response, user: UserEntity, action = 'login'): Promise<string> {
    await new Promise<void>((ok, fail) => req.session.regenerate((err) => (err ? fail(err) : ok())));
    const csrf = randomBytes(32).toString('base64url');
    Object.assign(req.session, { userId: user.id, epoch: user.sessionEpoch, createdAt: this.clock.now(), csrf });
    await new Promise<void>((ok, fail) => req.session.save((err) => (err ? fail(err) : ok())));
    this.setCsrfCookie(res, csrf);
    res.cookie(DEVICE_COOKIE, this.deviceToken(user.username), {
      httpOnly: true,
      secure: this.secure,
      sameSite: 'strict',
      path: '/api/auth',
      maxAge: DEVICE_COOKIE_DAYS * 86_400_000,
    });
    if (action) await this.audit.record({ actor: user, action, subject: `user:${user.username}`, source: req.ip ?? null });
    return csrf;
  }

  async endSession(req: Request, res: Response): Promise<void> {
    const user = req.currentUser;
    await new Promise<void>((ok) => req.session.destroy(() => ok()));
    res.clearCookie(CSRF_COOKIE, { path: '/' });
    if (user) await this.audit.record({ actor: user, action: 'logout', subject: `user:${user.username}`, source: req.ip ?? null });
  }

  setCsrfCookie(res: Response, csrf: string): void {
    // Readable by the page's script (Angular echoes it in X-XSRF-TOKEN), useless to other origins.
    res.cookie(CSRF_COOKIE, csrf, { httpOnly: false, secure: this.secure, sameSite: 'strict', path: '/' });
  }

  private deviceToken(username: string): string {
    const nonce = randomBytes(12).toString('base64url');
    const body = `${Buffer.from(username.toLowerCase()).toString('base64url')}.${nonce}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The device id from a valid device cookie issued for this username, or null. */
  private deviceFrom(req: Request, username: string): string | null {
    const token = parseCookies(req.headers.cookie ?? '')[DEVICE_COOKIE];
    const parts = token?.split('.');
    if (!parts || parts.length !== 3) return null;
    const [name, nonce, mac] = parts;
    const expected = Buffer.from(this.sign(`${name}.${nonce}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return Buffer.from(name, 'base64url').toString() === username.toLowerCase() ? nonce : null;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.deviceKey).update(body).digest('base64url');
  }
}
