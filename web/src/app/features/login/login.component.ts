import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { apiErrorMessage } from '../../core/api-error';
import { AuthStore } from '../../core/auth.store';

@Component({
  selector: 'mp-login',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, RouterLink],
  template: `
    <form class="card narrow" [formGroup]="form" (ngSubmit)="submit()">
      <h1>Log in</h1>
      @if (setupRequired()) {
        <p class="note">No admin exists yet. <a routerLink="/setup">Create the first admin</a> with the setup code from the server's log.</p>
      }
      <label>Username <input formControlName="username" autocomplete="username" name="username" /></label>
      <label>Password <input formControlName="password" type="password" autocomplete="current-password" name="password" /></label>
      @if (error()) {
        <p class="error" role="alert">{{ error() }}</p>
      }
      <button type="submit" [disabled]="busy() || form.invalid">Log in</button>
    </form>
  `,
})
export class LoginComponent {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  protected readonly next = input<string>('/');
  protected readonly form = inject(NonNullableFormBuilder).group({
    username: ['', Validators.required],
    password: ['', Validators.required],
  });
  protected readonly error = signal('');
  protected readonly busy = signal(false);
  protected readonly setupRequired = signal(false);

  constructor() {
    void this.auth.setupRequired().then((r) => this.setupRequired.set(r), () => undefined);
  }

  protected async submit(): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    try {
      const { username, password } = this.form.getRawValue();
      await this.auth.login(username, password);
      await this.router.navigateByUrl(this.next()?.startsWith('/') ? this.next() : '/');
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    } finally {
      this.busy.set(false);
    }
  }
}
