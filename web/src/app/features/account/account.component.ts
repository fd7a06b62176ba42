import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { apiErrorMessage } from '../../core/api-error';
import { AuthStore } from '../../core/auth.store';

/** Own account: who am I, change my password. */
@Component({
  selector: 'mp-account',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule],
  template: `
    <section class="card narrow">
      <h1>Account</h1>
      <p>Signed in as <strong data-testid="account-username">{{ auth.user()?.username }}</strong> ({{ auth.user()?.role }}).</p>
      <form [formGroup]="form" (ngSubmit)="submit()">
        <h2>Change password</h2>
        <label>Current password <input formControlName="current" type="password" name="current" autocomplete="current-password" /></label>
        <label>New password (at least 10 characters)
          <input formControlName="next" type="password" name="next" autocomplete="new-password" />
        </label>
        @if (error()) {
          <p class="error" role="alert">{{ error() }}</p>
        }
        @if (done()) {
          <p class="ok" role="status">Password changed. Your other sessions have ended.</p>
        }
        <button type="submit" [disabled]="busy() || form.invalid">Change password</button>
      </form>
    </section>
  `,
})
export class AccountComponent {
  protected readonly auth = inject(AuthStore);
  protected readonly form = inject(NonNullableFormBuilder).group({
    current: ['', Validators.required],
    next: ['', [Validators.required, Validators.minLength(10)]],
  });
  protected readonly error = signal('');
  protected readonly busy = signal(false);
  protected readonly done = signal(false);

  protected async submit(): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    this.done.set(false);
    try {
      const { current, next } = this.form.getRawValue();
      await this.auth.changePassword(current, next);
      this.form.reset();
      this.done.set(true);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }
}
