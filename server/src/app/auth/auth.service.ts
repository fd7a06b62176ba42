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
import { CheckLane, type LaneLimits, type Release } from './check-lanes';
import { networkOf } from './client-network';
import { LoginThrottle, WINDOW_MS } from './login-throttle';
import { CSRF_COOKIE } from '../access/session.types';
import { DEVICE_COOKIE, DEVICE_COOKIE_DAYS } from './device-cookie';

/**
 * Password checks (bcrypt, ~0.25 s of CPU each, on libuv's pool of 4 threads) run in two lanes of
 * 2: one for requests with a valid device cookie (per user at most 2, up to 32 waiting), one for
 * everyone else (per client network at most 1, up to 4 waiting). Together they never hold more than
 * the 4 pool threads, and a flood of unknown clients, however many addresses it comes from, only
 * fills its own lane.
 */
const KNOWN_LANE: LaneLimits = { running: 2, waiting: 32, perOwner: 2 };
const UNKNOWN_LANE: LaneLimits = { running: 2, waiting: 4, perOwner: 1 };

/** Credentials, sessions and the login throttle. */
@Injectable()
export class AuthService {
  private readonly throttle: LoginThrottle;
  private readonly deviceKey: string;
  private readonly knownLane = new CheckLane(KNOWN_LANE);
  private readonly unknownLane = new CheckLane(UNKNOWN_LANE);
  private readonly throttleAudited = new Map<string, number>();

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
   * Checks a username and password. Throttled per client network (client-network.ts) and per
   * account, or, when the request carries a device cookie this server issued to that user at an
   * earlier successful login (OWASP "device cookies"), per device instead: a burst from elsewhere,
   * or from behind the same NAT or proxy, cannot lock the user out of their own browser. The
   * password checks themselves run in two lanes (see KNOWN_LANE): clients without a device cookie
   * cannot take the slots of those with one.
   */
  async verifyCredentials(req: Request, username: string, password: string): Promise<UserEntity> {
    const source = req.ip ?? 'unknown';
    const network = networkOf(req.ip);
    const user = await this.users.findByUsername(username);
    const device = user ? this.deviceFrom(req, user) : null;
    const keys = device ? [`device:${device}`] : [`net:${network}`, `account:${username.toLowerCase()}`];
    await this.refuseIfThrottled(req, keys, username);
    const release = await this.enterLane(req, device && user ? this.knownLane : this.unknownLane, device && user ? `user:${user.id}` : network);
    const stamp = this.throttle.attempt(keys);
    let ok: boolean;
    try {
      ok = user ? await this.users.verifyPassword(user, password) : (await burnVerifyTime(password), false);
    } finally {
      release();
    }
    if (!user || !ok || user.disabled) {
      await this.audit.record({ actor: null, action: 'login.failed', subject: `user:${username}`, source });
      // One message for unknown user, wrong password and disabled account: no enumeration.
      throw new UnauthorizedException('Wrong username or password.');
    }
    this.throttle.succeeded(keys, stamp, keys[keys.length - 1]);
    return user;
  }

  /** A signed-in user re-entering their password (to change it): the same throttle, per account. */
  async verifyCurrentPassword(req: Request, user: UserEntity, password: string): Promise<boolean> {
    const keys = [`account:${user.username.toLowerCase()}`];
    await this.refuseIfThrottled(req, keys, user.username);
    const release = await this.enterLane(req, this.knownLane, `user:${user.id}`);
    const stamp = this.throttle.attempt(keys);
    let ok: boolean;
    try {
      ok = await this.users.verifyPassword(user, password);
    } finally {
      release();
    }
    if (ok) this.throttle.succeeded(keys, stamp, keys[0]);
    return ok;
  }

  private enterLane(req: Request, lane: CheckLane, owner: string): Promise<Release> {
    const slot = lane.enter(owner);
    if (slot) return slot;
    req.res?.setHeader('Retry-After', '1');
    throw new HttpException('Too many logins at once. Try again in a moment.', HttpStatus.TOO_MANY_REQUESTS);
  }

  private async refuseIfThrottled(req: Request, keys: string[], username: string): Promise<void> {
    const source = req.ip ?? 'unknown';
    const wait = this.throttle.blockedFor(keys);
    if (wait <= 0) return;
    // Audited once per key and window, so a flood of refused attempts cannot flood the log.
    const now = this.clock.now();
    const key = keys.join('|');
    if ((this.throttleAudited.get(key) ?? 0) < now - WINDOW_MS) {
      this.throttleAudited.set(key, now);
      if (this.throttleAudited.size > 10_000) this.throttleAudited.clear();
      await this.audit.record({ actor: null, action: 'login.throttled', subject: `user:${username}`, source });
    }
    const minutes = Math.ceil(wait / 60_000);
    req.res?.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
    throw new HttpException(`Too many failed logins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, HttpStatus.TOO_MANY_REQUESTS);
  }

  /** A fresh session (new id: no fixation) for a user who just proved who they are. */
  async startSession(req: Request, res: Response, user: UserEntity, action = 'login'): Promise<string> {
    await new Promise<void>((ok, fail) => req.session.regenerate((err) => (err ? fail(err) : ok())));
    const csrf = randomBytes(32).toString('base64url');
    Object.assign(req.session, { userId: user.id, epoch: user.sessionEpoch, createdAt: this.clock.now(), csrf });
    await new Promise<void>((ok, fail) => req.session.save((err) => (err ? fail(err) : ok())));
    this.setCsrfCookie(res, csrf);
    res.cookie(DEVICE_COOKIE, this.deviceToken(user), {
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

  /** A device token names the user, the password epoch and the issue time, signed by the server. */
  private deviceToken(user: UserEntity): string {
    const body = Buffer.from(JSON.stringify({ u: user.id, e: user.sessionEpoch, t: this.clock.now(), n: randomBytes(12).toString('base64url') })).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /**
   * The device id from a valid device cookie issued for this user, or null. It is void once the
   * user's password changed (epoch) and after 180 days.
   */
  private deviceFrom(req: Request, user: UserEntity): string | null {
    const token = parseCookies(req.headers.cookie ?? '')[DEVICE_COOKIE];
    const parts = token?.split('.');
    if (!parts || parts.length !== 2) return null;
    const [body, mac] = parts;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { u: number; e: number; t: number; n: string };
      const fresh = this.clock.now() - claims.t < DEVICE_COOKIE_DAYS * 86_400_000;
      return claims.u === user.id && claims.e === user.sessionEpoch && fresh ? claims.n : null;
    } catch {
      return null;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.deviceKey).update(body).digest('base64url');
  }
}
