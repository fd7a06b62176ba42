import { HttpClient } from '@angular/common/http';
import { inject, Injectable, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { apiErrorMessage } from '../../core/api-error';
import type { Role, User } from '../../core/auth.store';

export interface ResetLink {
  link: string | null;
  mailed: boolean;
  expiresAt: number;
}

/** The users screen's state; every change goes through the API and reloads the list. */
@Injectable()
export class UsersStore {
  private readonly http = inject(HttpClient);
  readonly users = signal<User[]>([]);
  readonly error = signal('');
  readonly resetLink = signal<{ username: string; result: ResetLink } | null>(null);

  async load(): Promise<void> {
    await this.run(async () => this.users.set(await firstValueFrom(this.http.get<User[]>('/api/users'))));
  }

  create(user: { username: string; password: string; role: Role; email?: string }): Promise<boolean> {
    return this.run(() => firstValueFrom(this.http.post('/api/users', user)), true);
  }

  update(id: number, changes: { role?: Role; disabled?: boolean }): Promise<boolean> {
    return this.run(() => firstValueFrom(this.http.patch(`/api/users/${id}`, changes)), true);
  }

  remove(id: number): Promise<boolean> {
    return this.run(() => firstValueFrom(this.http.delete(`/api/users/${id}`)), true);
  }

  async issueResetLink(user: User): Promise<void> {
    await this.run(async () => {
      const result = await firstValueFrom(this.http.post<ResetLink>(`/api/users/${user.id}/reset-link`, {}));
      this.resetLink.set({ username: user.username, result });
    });
  }

  private async run(action: () => Promise<unknown>, reload = false): Promise<boolean> {
    this.error.set('');
    try {
      await action();
      if (reload) await this.load();
      return true;
    } catch (err) {
      this.error.set(apiErrorMessage(err));
      return false;
    }
  }
}
