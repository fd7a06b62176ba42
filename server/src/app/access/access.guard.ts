import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { TOKEN_SCOPES_KEY } from './access-area.decorator';
import { ACCESS_KEY, isTokenAccess, type Access } from './access.decorator';
import { OriginPolicy } from './origin-policy';
import { TOKEN_VERIFIER, type TokenVerifier } from './principals';
import { roleAllows, type Role } from './roles';
import { SessionPolicy } from './session-policy';
import { CSRF_HEADER } from './session.types';
import { SCRIPT_ROUTE_ROLE, type TokenScope } from './token-scopes';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one global guard: every HTTP route must declare @Access(...). It resolves the session to a
 * live user (SessionPolicy: same password epoch, not disabled, within the absolute lifetime),
 * enforces the role, and protects state-changing requests: Origin must be this server or an
 * allowed one (OriginPolicy), and a signed-in request must echo the session's CSRF token.
 *
 * A request with an Authorization header is a script's: its API token alone decides, the cookie
 * is not looked at (a bad token is a 401, never a fallback to the session), and no CSRF header is
 * needed (a browser never attaches a bearer token by itself). The token must hold one of the
 * route's scopes (@AccessArea), and its creator must still be enabled and hold the route's role.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionPolicy,
    private readonly origins: OriginPolicy,
    @Inject(TOKEN_VERIFIER) private readonly tokens: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // sockets authenticate at the handshake
    const req = context.switchToHttp().getRequest<Request>();
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]);
    if (!access) {
      this.logger.error({ event: 'access.undeclared', route: `${req.method} ${req.route?.path ?? req.path}` });
      throw new ForbiddenException('This route declares no access rule, so it is closed.');
    }
    const unsafe = !SAFE_METHODS.has(req.method);
    if (unsafe && !this.origins.allowsRequest(req.get('origin'), `${req.protocol}://${req.get('host')}`)) {
      throw new ForbiddenException('Cross-origin request refused.');
    }
    if (access === 'public') return true;
    if (req.get('authorization') !== undefined || isTokenAccess(access)) {
      const declared = this.reflector.get<TokenScope[] | undefined>(TOKEN_SCOPES_KEY, context.getHandler());
      return this.tokenAllows(req, access, declared ?? (isTokenAccess(access) ? [access.slice('token:'.length) as TokenScope] : []));
    }

    const user = await this.sessions.liveUser(req.session);
    if (!user) {
      // Ends a session that no longer stands (its row, and its cookie at the browser's next request).
      if (req.session?.userId) await new Promise<void>((ok) => req.session.destroy(() => ok()));
      throw new UnauthorizedException('Log in first.');
    }
    req.currentUser = user;
    if (unsafe && !this.csrfMatches(req)) throw new ForbiddenException('Missing or wrong X-XSRF-TOKEN header (CSRF protection).');
    if (access !== 'self' && !roleAllows(user.role, access)) throw new ForbiddenException(`This needs the ${access} role.`);
    return true;
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
    await this.tokens.recordUse(entity);
    return true;
  }

  private csrfMatches(req: Request): boolean {
    const expected = req.session.csrf;
    const given = req.get(CSRF_HEADER);
    if (!expected || !given || given.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  }
}
