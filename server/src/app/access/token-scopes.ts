import type { Role } from './roles';

/**
 * The parts of the API a token can open. Each controller names its area once (@AccessArea); a GET
 * needs `<area>:read` or `<area>:write` (write implies read), anything else `<area>:write`. Users,
 * tokens and sign-in belong to no area: a token never manages accounts or mints tokens.
 */
export const TOKEN_AREAS = ['agents', 'targets', 'monitoring', 'alerts', 'settings', 'audit', 'metrics'] as const;
export type TokenArea = (typeof TOKEN_AREAS)[number];

/** Every scope a token may hold, with what it opens (the list docs/operations.md and the OpenAPI document show). */
export const SCOPE_MEANINGS = {
  'agents:read': 'GET /api/agents',
  'agents:write': 'approve, reject, wake, group and delete agents (and agents:read); never the join passphrase',
  'targets:read': 'GET /api/targets',
  'targets:write': 'add, edit and delete targets (and targets:read)',
  'targets:register': 'PUT /api/targets/self only: a host adds itself as a target',
  'monitoring:read': 'the grid, a pair\'s samples, series and stats, and the state-change log',
  'alerts:read': 'alert rules and incidents',
  'alerts:write': 'add, edit and delete alert rules (and alerts:read)',
  'settings:read': 'GET /api/settings',
  'settings:write': 'PATCH /api/settings (and settings:read)',
  'audit:read': 'GET /api/audit',
  'metrics:read': 'GET /api/metrics only (Prometheus)',
} as const;
export type TokenScope = keyof typeof SCOPE_MEANINGS;
export const TOKEN_SCOPES = Object.keys(SCOPE_MEANINGS) as TokenScope[];

/**
 * Routes only a token can call (@Access('token:<scope>')), and the role its creator must still
 * hold for them: registering a host adds a target (operator); reading metrics is reading (viewer).
 */
export const SCRIPT_ROUTE_ROLE: Partial<Record<TokenScope, Role>> = { 'targets:register': 'operator', 'metrics:read': 'viewer' };

/** The scopes that let a token call a route of this area (empty: the area has no such routes). */
export function scopesFor(area: TokenArea, write: boolean): TokenScope[] {
  const wanted: string[] = write ? [`${area}:write`] : [`${area}:read`, `${area}:write`];
  return TOKEN_SCOPES.filter((s) => wanted.includes(s));
}
