import { HttpClient } from '@angular/common/http';
import { computed, inject, Injectable, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';

export type Role = 'viewer' | 'operator' | 'admin';

export interface User {
  id: number;
  username: string;
  email: string | null;
  role: Role;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

interface SessionResponse {
  user: User;
  csrfToken: string;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Who is signed in. Changed only through these methods; the server's session cookie is the truth. */
@Injectable({ providedIn: 'root' })
export class AuthStore {
  private readonly http = inject(HttpClient);
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
    this.loaded ??= firstValueFrom(this.http.get<SessionResponse>('/api/auth/session')).then(
      (s) => (this.userSig.set(s.user), s.user),
      () => (this.userSig.set(null), null),
    );
    return this.loaded;
  }

  async login(username: string, password: string): Promise<User> {
    const s = await firstValueFrom(this.http.post<SessionResponse>('/api/auth/login', { username, password }));
    return this.signedInAs(s.user);
  }

  async setup(setupCode: string, username: string, password: string): Promise<User> {
    const s = await firstValueFrom(this.http.post<SessionResponse>('/api/auth/setup', { setupCode, username, password }));
    return this.signedInAs(s.user);
  }

  setupRequired(): Promise<boolean> {
    return firstValueFrom(this.http.get<{ required: boolean }>('/api/auth/setup')).then((r) => r.required);
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const s = await firstValueFrom(this.http.put<SessionResponse>('/api/auth/password', { currentPassword, newPassword }));
    this.signedInAs(s.user);
  }

  async resetPassword(token: string, newPassword: string): Promise<void> {
    await firstValueFrom(this.http.post('/api/auth/reset', { token, newPassword }));
  }

  async logout(): Promise<void> {
    try {
      await firstValueFrom(this.http.post('/api/auth/logout', {}));
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
