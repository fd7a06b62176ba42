import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { AuthStore, type Role, type User } from '../../core/auth.store';
import { UsersStore } from './users.store';

/** Admins: create, edit roles, disable, delete users, issue reset links. */
@Component({
  selector: 'mp-users',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule],
  providers: [UsersStore],
  templateUrl: './users.component.html',
})
export class UsersComponent {
  protected readonly store = inject(UsersStore);
  protected readonly me = inject(AuthStore).user;
  protected readonly roles: Role[] = ['viewer', 'operator', 'admin'];
  protected readonly form = inject(NonNullableFormBuilder).group({
    username: ['', [Validators.required, Validators.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/)]],
    password: ['', [Validators.required, Validators.minLength(10)]],
    role: ['viewer' as Role, Validators.required],
    email: ['', Validators.email],
  });

  constructor() {
    void this.store.load();
  }

  protected async create(): Promise<void> {
    const { email, ...rest } = this.form.getRawValue();
    if (await this.store.create({ ...rest, ...(email ? { email } : {}) })) this.form.reset({ role: 'viewer' });
  }

  protected setRole(user: User, role: string): void {
    void this.store.update(user.id, { role: role as Role });
  }

  protected toggleDisabled(user: User): void {
    void this.store.update(user.id, { disabled: !user.disabled });
  }

  protected remove(user: User): void {
    if (confirm(`Delete user "${user.username}"? This cannot be undone.`)) void this.store.remove(user.id);
  }

  protected resetLink(user: User): void {
    void this.store.issueResetLink(user);
  }
}
