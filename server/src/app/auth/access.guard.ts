import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CLOCK, type Clock } from '@meshping/node-kit';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import type { Role, UserEntity } from '../users/user.entity';
import { ApiTokensService } from '../tokens/api-tokens.service';
import { UsersService } from '../users/users.service';
import { TOKEN_SCOPES_KEY } from './access-area.decorator';
import { ACCESS_KEY, isTokenAccess, roleAllows, type Access } from './access.decorator';
import { SCRIPT_ROUTE_ROLE, type TokenScope } from './token-scopes';
import { CSRF_HEADER } from './session.types';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one global guard: every HTTP route must declare @Access(...). It resolves the session to a
 * live user (same password epoch, not disabled, within the absolute lifetime), enforces the role,
 * and protects state-changing requests: Origin must be this server or an allowed one, and a
 * signed-in request must echo the session's CSRF token.
 *
 * A request with an Authorization header is a script's: its API token alone decides, the cookie
 * is not looked at (a bad token is a 401, never a fallback to the session), and no CSRF header is
 * needed (a browser never attaches a bearer token by itself). The token must hold one of the
 * route's scopes (@AccessArea), and its creator must still be enabled and hold the route's role.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);
  private readonly maxAgeMs: number;
  private readonly allowedOrigins: Set<string>;

  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersService,
    private readonly tokens: ApiTokensService,
    @Inject(SERVER_CONFIG) config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.maxAgeMs = config.MESHPING_SESSION_MAX_MINUTES * 60_000;
    this.allowedOrigins = new Set(config.MESHPING_CORS_ORIGINS.map((o) => new URL(o).origin));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // sockets authenticate at the handshake
    const req = context.switchToHttp().getRequest<Request>();
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]);
    if (!access) {
      this.logger.error({ event: 'access.undeclared', route: `${req.method} ${req.route?.path ?? req.path}` });
      throw new ForbiddenException('This route declares no access rule, so it is closed.');
    }
    const unsafe = !SAFE_METHODS.has(req.method);
    if (unsafe && !this.originAllowed(req)) throw new ForbiddenException('Cross-origin request refused.');
    if (access === 'public') return true;
    if (req.get('authorization') !== undefined || isTokenAccess(access)) {
      const declared = this.reflector.get<TokenScope[] | undefined>(TOKEN_SCOPES_KEY, context.getHandler());
      return this.tokenAllows(req, access, declared ?? (isTokenAccess(access) ? [access.slice('token:'.length) as TokenScope] : []));
    }

    const user = await this.sessionUser(req);
    if (!user) throw new UnauthorizedException('Log in first.');
    req.currentUser = user;
    if (unsafe && !this.csrfMatches(req)) throw new ForbiddenException('Missing or wrong X-XSRF-TOKEN header (CSRF protection).');
    if (access !== 'self' && !roleAllows(user.role, access)) throw new ForbiddenException(`This needs the ${access} role.`);
    return true;
  }

  /** The session's user if the session is still valid; ends a session that is not. */
  async sessionUser(req: Request): Promise<UserEntity | null> {
    const s = req.session;
    if (!s?.userId) return null;
    const user = this.clock.now() - (s.createdAt ?? 0) <= this.maxAgeMs ? await this.users.findById(s.userId) : null;
    if (!user || user.disabled || user.sessionEpoch !== s.epoch) {
      await new Promise<void>((ok) => s.destroy(() => ok()));
      return null;
    }
    return user;
  }

  /** Scripts: a live API token in Authorization: Bearer with one of the route's scopes. No cookies, so no CSRF. */
  private async tokenAllows(req: Request, access: Access, scopes: TokenScope[]): Promise<boolean> {
    const token = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!token) {
      throw new UnauthorizedException(
        scopes.length ? `This needs an API token with scope ${scopes.join(' or ')} (Authorization: Bearer mpt_...).` : 'Authorization must be "Bearer <API token>".',
      );
    }
    const check = await this.tokens.authenticate(token);
    if (!check.ok) throw new UnauthorizedException(check.reason);
    const { token: entity, creator } = check.principal;
    if (scopes.length === 0) throw new ForbiddenException('API tokens cannot call this route: it takes a signed-in session.');
    if (!entity.scopes.some((s) => scopes.includes(s))) {
      throw new ForbiddenException(`This needs an API token with scope ${scopes.join(' or ')}; this token has ${entity.scopes.join(', ')}.`);
    }
    const role: Role | undefined = isTokenAccess(access) ? SCRIPT_ROUTE_ROLE[access.slice('token:'.length) as TokenScope] : (access as Role);
    if (role && !roleAllows(creator.role, role)) {
      throw new ForbiddenException(`This token's creator (${creator.username}) no longer has the ${role} role this route needs.`);
    }
    req.apiToken = check.principal;
    await this.tokens.touch(entity);
    return true;
  }

  originAllowed(req: Request): boolean {
    const origin = req.get('origin');
    if (!origin) return true; // not a browser's cross-site request (browsers send Origin on these)
    return origin === `${req.protocol}://${req.get('host')}` || this.allowedOrigins.has(origin);
  }

  private csrfMatches(req: Request): boolean {
    const expected = req.session.csrf;
    const given = req.get(CSRF_HEADER);
    if (!expected || !given || given.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  }
}
