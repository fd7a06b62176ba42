import type { Role } from './roles';
import type { TokenScope } from './token-scopes';

/**
 * What the access kernel needs from the features it serves, as interfaces: access imports no
 * feature. The users module provides USER_DIRECTORY (UsersService), the tokens module
 * TOKEN_VERIFIER (ApiTokensService); AccessModule.forRoot is given the modules that export them.
 */

/** An account as access control sees it. */
export interface AccessUser {
  readonly id: number;
  readonly username: string;
  readonly role: Role;
  readonly disabled: boolean;
  /** Bumped whenever the account's sessions must end; a session carries the one it began under. */
  readonly sessionEpoch: number;
}

export interface UserDirectory {
  findById(id: number): Promise<AccessUser | null>;
}
export const USER_DIRECTORY = Symbol('USER_DIRECTORY');

/** An API token as access control sees it (never the secret). */
export interface AccessToken {
  readonly id: number;
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  /** Epoch ms of the last recorded use, so recordUse can skip a write. */
  readonly lastUsedAt: number | null;
}

/** A token that authenticated, and the account it acts for. */
export interface TokenPrincipal {
  token: AccessToken;
  creator: AccessUser;
}

export type TokenCheck = { ok: true; principal: TokenPrincipal } | { ok: false; reason: string };

export interface TokenVerifier {
  /** Who a bearer token acts for, or why it does not work (the reason goes into the 401). */
  authenticate(bearer: string): Promise<TokenCheck>;
  /** The token was let through: remember that it was used. */
  recordUse(token: AccessToken): Promise<void>;
}
export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
