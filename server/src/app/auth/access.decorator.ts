import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role } from '../users/user.entity';
import type { TokenScope } from './token-scopes';

/**
 * Who may call a route. Every controller method declares one; a route without a declaration is
 * refused by the AccessGuard, so a new route is closed until it says otherwise.
 * - public: anyone (login, setup, password reset, health)
 * - self: any signed-in user, acting on their own account (logout, change own password)
 * - viewer / operator / admin: signed-in with at least that role (admin > operator > viewer)
 * - token:<scope>: only a script with an API token of that scope (Authorization: Bearer), no session
 * The session rule also opens a route to API tokens when its controller declares an @AccessArea
 * (access-area.decorator.ts): the scopes are derived from the area and the HTTP method.
 */
export type Access = 'public' | 'self' | Role | `token:${TokenScope}`;
export const ACCESS_KEY = 'meshping:access';

export function Access(access: Access): MethodDecorator & ClassDecorator {
  const decorators = [SetMetadata(ACCESS_KEY, access), ApiExtension('x-meshping-access', access)];
  if (isTokenAccess(access)) {
    decorators.push(ApiBearerAuth(), ApiUnauthorizedResponse({ description: `No valid API token with scope ${access.slice(6)}` }));
  } else if (access !== 'public') {
    // Both together: the session cookie and, for writes, its CSRF token (Swagger UI sends both once authorised).
    decorators.push(ApiSecurity({ cookie: [], csrf: [] }), ApiUnauthorizedResponse({ description: 'No valid session' }));
    if (access !== 'self') decorators.push(ApiForbiddenResponse({ description: `Needs the ${access} role (or higher)` }));
  }
  return applyDecorators(...decorators);
}

export function isTokenAccess(access: Access): access is `token:${TokenScope}` {
  return access.startsWith('token:');
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}
