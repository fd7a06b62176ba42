import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { persistentSecret } from '../../infra/secrets/secrets';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import type { AccessUser } from '../access/principals';
import { AuditService } from '../audit/audit.service';
import { burnVerifyTime } from '../users/password';
import type { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { CheckLane, type LaneLimits, type Release } from './check-lanes';
import { networkOf } from './client-network';
import { DEVICE_COOKIE_DAYS } from './device-cookie';
import { LoginThrottle, WINDOW_MS } from './login-throttle';
import { TooManyAttemptsException } from './too-many-attempts';

/**
 * Password checks (bcrypt, ~0.25 s of CPU each, on libuv's pool of 4 threads) run in two lanes of
 * 2: one for requests with a valid device cookie (per user at most 2, up to 32 waiting), one for
 * everyone else (per client network at most 1, up to 4 waiting). Together they never hold more than
 * the 4 pool threads, and a flood of unknown clients, however many addresses it comes from, only
 * fills its own lane.
 */
const KNOWN_LANE: LaneLimits = { running: 2, waiting: 32, perOwner: 2 };
const UNKNOWN_LANE: LaneLimits = { running: 2, waiting: 4, perOwner: 1 };

/** A login: what the form sent, where from, and the device cookie the browser holds (if any). */
export interface LoginAttempt {
  username: string;
  password: string;
  source: string | null;
  deviceCookie: string | undefined;
}

/**
 * Credentials, the login throttle, device tokens and the audit of signing in and out. Plain values
 * in and out: the session and its cookies are set by AuthController, the HTTP edge.
 */
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
  async verifyCredentials({ username, password, source, deviceCookie }: LoginAttempt): Promise<UserEntity> {
    const network = networkOf(source ?? undefined);
    const user = await this.users.findByUsername(username);
    const device = user ? this.deviceFrom(deviceCookie, user) : null;
    const keys = device ? [`device:${device}`] : [`net:${network}`, `account:${username.toLowerCase()}`];
    await this.refuseIfThrottled(keys, username, source);
    const release = await this.enterLane(device && user ? this.knownLane : this.unknownLane, device && user ? `user:${user.id}` : network);
    const stamp = this.throttle.attempt(keys);
    let ok: boolean;
    try {
      ok = user ? await this.users.verifyPassword(user, password) : (await burnVerifyTime(password), false);
    } finally {
      release();
    }
    if (!user || !ok || user.disabled) {
      await this.audit.record({ actor: null, action: 'login.failed', subject: `user:${username}`, source: source ?? 'unknown' });
      // One message for unknown user, wrong password and disabled account: no enumeration.
      throw new UnauthorizedException('Wrong username or password.');
    }
    this.throttle.succeeded(keys, stamp, keys[keys.length - 1]);
    return user;
  }

  /** A signed-in user re-entering their password (to change it): the same throttle, per account. */
  async verifyCurrentPassword(user: UserEntity, password: string, source: string | null): Promise<boolean> {
    const keys = [`account:${user.username.toLowerCase()}`];
    await this.refuseIfThrottled(keys, user.username, source);
    const release = await this.enterLane(this.knownLane, `user:${user.id}`);
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

  private enterLane(lane: CheckLane, owner: string): Promise<Release> {
    const slot = lane.enter(owner);
    if (slot) return slot;
    throw new TooManyAttemptsException('Too many logins at once. Try again in a moment.', 1);
  }

  private async refuseIfThrottled(keys: string[], username: string, source: string | null): Promise<void> {
    const wait = this.throttle.blockedFor(keys);
    if (wait <= 0) return;
    // Audited once per key and window, so a flood of refused attempts cannot flood the log.
    const now = this.clock.now();
    const key = keys.join('|');
    if ((this.throttleAudited.get(key) ?? 0) < now - WINDOW_MS) {
      this.throttleAudited.set(key, now);
      if (this.throttleAudited.size > 10_000) this.throttleAudited.clear();
      await this.audit.record({ actor: null, action: 'login.throttled', subject: `user:${username}`, source: source ?? 'unknown' });
    }
    const minutes = Math.ceil(wait / 60_000);
    throw new TooManyAttemptsException(`Too many failed logins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, Math.ceil(wait / 1000));
  }

  /** Audits a sign-in (login, or setup's first login); the session itself is started by AuthController. */
  async signedIn(user: UserEntity, action: string, source: string | null): Promise<void> {
    await this.audit.record({ actor: user, action, subject: `user:${user.username}`, source });
  }

  async signedOut(user: AccessUser, source: string | null): Promise<void> {
    await this.audit.record({ actor: user, action: 'logout', subject: `user:${user.username}`, source });
  }

  /** A device token names the user, the password epoch and the issue time, signed by the server. */
  deviceToken(user: UserEntity): string {
    const body = Buffer.from(JSON.stringify({ u: user.id, e: user.sessionEpoch, t: this.clock.now(), n: randomBytes(12).toString('base64url') })).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /**
   * The device id from a valid device cookie issued for this user, or null. It is void once the
   * user's password changed (epoch) and after 180 days.
   */
  private deviceFrom(token: string | undefined, user: UserEntity): string | null {
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
