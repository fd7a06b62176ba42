import { computed, Injectable, signal } from '@angular/core';
import { changePassword, completeSetup, getSession, getSetupStatus, login, logout, resetPassword, type UserDto } from '@meshping/api-client';
import { EXPECTS_401 } from './api-error';

export type User = UserDto;
export type Role = UserDto['role'];

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Who is signed in. Changed only through these methods; the server's session cookie is the truth. */
@Injectable({ providedIn: 'root' })
export class AuthStore {
  private readonly userSig = signal<User | null>(null);
  private loaded: Promise<User | null> | null = null;

  readonly user = this.userSig.asReadonly();
  readonly signedIn = computed(() => this.userSig() !== null);

  can(role: Role): boolean {
    const user = this.userSig();
    return !!user && RANK[user.role] >= RANK[role];
  }

  /** Asks the server once per page load (and after login/logout) who we are. */
  current(): Promise<User | null> {
    this.loaded ??= getSession({ meta: EXPECTS_401 }).then(
      (s) => (this.userSig.set(s.user), s.user),
      () => (this.userSig.set(null), null),
    );
    return this.loaded;
  }

  async login(username: string, password: string): Promise<User> {
    const s = await login({ body: { username, password }, meta: EXPECTS_401 });
    return this.signedInAs(s.user);
  }

  async setup(setupCode: string, username: string, password: string): Promise<User> {
    const s = await completeSetup({ body: { setupCode, username, password } });
    return this.signedInAs(s.user);
  }

  setupRequired(): Promise<boolean> {
    return getSetupStatus().then((r) => r.required);
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const s = await changePassword({ body: { currentPassword, newPassword } });
    this.signedInAs(s.user);
  }

  async resetPassword(token: string, newPassword: string): Promise<void> {
    await resetPassword({ body: { token, newPassword } });
  }

  async logout(): Promise<void> {
    try {
      await logout();
    } finally {
      this.forget();
    }
  }

  /** The server said 401: the session is gone. */
  forget(): void {
    this.userSig.set(null);
    this.loaded = Promise.resolve(null);
  }

  private signedInAs(user: User): User {
    this.userSig.set(user);
    this.loaded = Promise.resolve(user);
    return user;
  }
}
