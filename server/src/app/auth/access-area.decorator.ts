import { applyDecorators, RequestMethod, SetMetadata } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ACCESS_KEY, isTokenAccess, type Access } from './access.decorator';
import { scopesFor, type TokenArea, type TokenScope } from './token-scopes';

/** The token scopes that may call a route (set by @AccessArea; absent: sessions only). */
export const TOKEN_SCOPES_KEY = 'meshping:token-scopes';
const SESSION_ONLY_KEY = 'meshping:session-only';

/** A route of an area that no token may call, whatever its scopes (secrets such as the join passphrase). */
export function SessionOnly(): MethodDecorator {
  return SetMetadata(SESSION_ONLY_KEY, true);
}

const READS = new Set<RequestMethod>([RequestMethod.GET, RequestMethod.HEAD]);

/**
 * The part of the API a controller's routes belong to, declared once per class (placed directly
 * above @Controller). Each of its routes open to a role (viewer, operator, admin) becomes open to
 * API tokens too: a GET/HEAD to `<area>:read` or `<area>:write`, any other method to
 * `<area>:write`. The token's creator must still hold the route's role when the token is used
 * (AccessGuard). Routes for 'public', 'self' or marked @SessionOnly() stay closed to tokens;
 * `token:<scope>` routes keep their one scope, which must belong to the area. A controller
 * without an area opens nothing to tokens.
 *
 * Class decorators run after the method decorators, so each route's @Access and HTTP method are
 * known here; the scopes are stored on the route for the guard and written into the OpenAPI
 * document (x-meshping-token-scopes, and the bearer alternative in `security`).
 */
export function AccessArea(area: TokenArea): ClassDecorator {
  return (target) => {
    const proto = (target as unknown as { prototype: object }).prototype;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      const handler: unknown = descriptor?.value;
      if (key === 'constructor' || !descriptor || typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
      const route = `${target.name}.${key}`;
      const access = Reflect.getMetadata(ACCESS_KEY, handler) as Access | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
      const scopes = routeScopes(route, area, access, !READS.has(method), Reflect.getMetadata(SESSION_ONLY_KEY, handler) === true);
      if (scopes.length === 0) continue;
      Reflect.defineMetadata(TOKEN_SCOPES_KEY, scopes, handler);
      const docs = [ApiExtension('x-meshping-token-scopes', scopes)];
      if (!isTokenAccess(access as Access)) {
        // A session or a token: OpenAPI lists the two requirement objects as alternatives.
        docs.push(
          ApiBearerAuth('bearer'),
          ApiUnauthorizedResponse({ description: 'Or an API token that is unknown, revoked or expired, or whose creator is disabled or deleted' }),
          ApiForbiddenResponse({ description: `Or an API token without scope ${scopes.join(' or ')}, or whose creator no longer has the ${access} role` }),
        );
      }
      applyDecorators(...docs)(proto, key, descriptor);
    }
  };
}

function routeScopes(route: string, area: TokenArea, access: Access | undefined, write: boolean, sessionOnly: boolean): TokenScope[] {
  if (access === undefined || access === 'public' || access === 'self' || sessionOnly) return [];
  if (isTokenAccess(access)) {
    const scope = access.slice('token:'.length) as TokenScope;
    if (!scope.startsWith(`${area}:`)) throw new Error(`${route}: scope ${scope} is not of the controller's area ${area}`);
    return [scope];
  }
  const scopes = scopesFor(area, write);
  if (scopes.length === 0) throw new Error(`${route}: the ${area} area has no ${write ? 'write' : 'read'} scope (add it to token-scopes.ts, or mark the route @SessionOnly())`);
  return scopes;
}
