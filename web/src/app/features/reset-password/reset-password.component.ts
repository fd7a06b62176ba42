import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { apiErrorMessage } from '../../core/api-error';
import { AuthStore } from '../../core/auth.store';

/** The page a one-time reset link opens: choose a new password. */
@Component({
  selector: 'mp-reset-password',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, RouterLink],
  template: `
    <form class="card narrow" [formGroup]="form" (ngSubmit)="submit()">
      <h1>Choose a new password</h1>
      @if (done()) {
        <p class="ok" role="status">Your password is set. Every earlier session has ended. <a routerLink="/login">Log in</a></p>
      } @else {
        <label>New password (at least 10 characters)
          <input formControlName="password" type="password" name="password" autocomplete="new-password" />
        </label>
        @if (error()) {
          <p class="error" role="alert">{{ error() }}</p>
        }
        <button type="submit" [disabled]="busy() || form.invalid || !token()">Set password</button>
      }
    </form>
  `,
})
export class ResetPasswordComponent {
  private readonly auth = inject(AuthStore);
  protected readonly token = input<string>('');
  protected readonly form = inject(NonNullableFormBuilder).group({ password: ['', [Validators.required, Validators.minLength(10)]] });
  protected readonly error = signal('');
  protected readonly busy = signal(false);
  protected readonly done = signal(false);

  protected async submit(): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      await this.auth.resetPassword(this.token(), this.form.getRawValue().password);
      this.done.set(true);
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }
}
