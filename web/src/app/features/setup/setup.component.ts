import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router } from '@angular/router';
import { apiErrorMessage } from '../../core/api-error';
import { AuthStore } from '../../core/auth.store';

/** First start: create the first admin with the one-time setup code from the server's log. */
@Component({
  selector: 'mp-setup',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule],
  template: `
    <form class="card narrow" [formGroup]="form" (ngSubmit)="submit()">
      <h1>Create the first admin</h1>
      <p class="note">The server printed a one-time setup code in its log when it started without users.</p>
      <label>Setup code <input formControlName="setupCode" name="setupCode" autocomplete="off" /></label>
      <label>Username <input formControlName="username" name="username" autocomplete="username" /></label>
      <label>Password (at least 10 characters)
        <input formControlName="password" type="password" name="password" autocomplete="new-password" />
      </label>
      @if (error()) {
        <p class="error" role="alert">{{ error() }}</p>
      }
      <button type="submit" [disabled]="busy() || form.invalid">Create admin and log in</button>
    </form>
  `,
})
export class SetupComponent {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  protected readonly form = inject(NonNullableFormBuilder).group({
    setupCode: ['', Validators.required],
    username: ['', Validators.required],
    password: ['', [Validators.required, Validators.minLength(10)]],
  });
  protected readonly error = signal('');
  protected readonly busy = signal(false);

  protected async submit(): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      const { setupCode, username, password } = this.form.getRawValue();
      await this.auth.setup(setupCode.trim(), username, password);
      await this.router.navigateByUrl('/');
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }
}
