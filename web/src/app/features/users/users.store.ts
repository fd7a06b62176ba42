import { Injectable, signal } from '@angular/core';
import { createUser, deleteUser, issuePasswordResetLink, listUsers, updateUser, type CreateUserDto, type ResetLinkDto, type UpdateUserDto } from '@meshping/api-client';
import { apiErrorMessage } from '../../core/api-error';
import type { User } from '../../core/auth.store';

/** The users screen's state; every change goes through the API and reloads the list. */
@Injectable()
export class UsersStore {
  readonly users = signal<User[]>([]);
  readonly error = signal('');
  readonly resetLink = signal<{ username: string; result: ResetLinkDto } | null>(null);

  async load(): Promise<void> {
    await this.run(async () => this.users.set(await listUsers()));
  }

  create(user: CreateUserDto): Promise<boolean> {
    return this.run(() => createUser({ body: user }), true);
  }

  update(id: number, changes: UpdateUserDto): Promise<boolean> {
    return this.run(() => updateUser({ path: { id }, body: changes }), true);
  }

  remove(id: number): Promise<boolean> {
    return this.run(() => deleteUser({ path: { id } }), true);
  }

  async issueResetLink(user: User): Promise<void> {
    await this.run(async () => {
      const result = await issuePasswordResetLink({ path: { id: user.id } });
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
