import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { TokenScope, type TokenDto } from '@meshping/api-client';
import { TokensStore } from './tokens.store';

/** What each scope allows, in words (the document describes them too; this is the screen's wording). */
const SCOPE_HELP: Record<TokenScope, string> = {
  'agents:read': 'list agents',
  'agents:write': 'approve, reject, wake and delete agents',
  'targets:read': 'list targets',
  'targets:write': 'add, edit and delete targets',
  'targets:register': 'a host adds itself as a target (PUT /api/targets/self) only',
  'monitoring:read': 'the grid, and a pair’s samples, series, stats and export',
  'alerts:read': 'alert rules and incidents',
  'alerts:write': 'add, edit and delete alert rules',
  'settings:read': 'read settings',
  'settings:write': 'change settings',
  'audit:read': 'read and export the audit log',
  'metrics:read': 'Prometheus metrics only',
};

/** Admins: API tokens for scripts (scopes, expiry); a new token is shown once, then only its name. */
@Component({
  selector: 'mp-tokens',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, DatePipe],
  providers: [TokensStore],
  templateUrl: './tokens.component.html',
  styles: `
    .wide { max-width: none; }
    .copy { white-space: pre-wrap; word-break: break-all; background: var(--mp-bg); color: var(--mp-text); padding: 0.5rem; border: 1px solid var(--mp-border); border-radius: 4px; }
    .scopes { width: 100%; border: 1px solid var(--mp-border); border-radius: 4px; display: grid; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr)); gap: 0.1rem 1rem; }
    .scopes .check { flex-direction: row; align-items: baseline; gap: 0.4rem; margin: 0.15rem 0; }
    .scopes code { white-space: nowrap; word-break: normal; }
    .state.active { color: var(--mp-green); }
    .state.expired, .state.revoked, .state.creator-inactive { color: var(--mp-red); }
  `,
})
export class TokensComponent {
  protected readonly store = inject(TokensStore);
  protected readonly scopes = Object.values(TokenScope).map((scope) => ({ scope, help: SCOPE_HELP[scope] }));
  protected readonly chosen = signal<ReadonlySet<TokenScope>>(new Set());
  protected readonly copied = signal(false);
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(80)]],
    expiresInDays: [90, [Validators.required, Validators.min(1), Validators.max(365)]],
  });
  protected readonly canCreate = computed(() => this.chosen().size > 0);

  constructor() {
    void this.store.load();
  }

  protected toggle(scope: TokenScope, on: boolean): void {
    const next = new Set(this.chosen());
    if (on) next.add(scope);
    else next.delete(scope);
    this.chosen.set(next);
  }

  protected async create(): Promise<void> {
    const { name, expiresInDays } = this.form.getRawValue();
    this.copied.set(false);
    if (await this.store.create({ name: name.trim(), expiresInDays, scopes: [...this.chosen()] })) {
      this.form.reset({ name: '', expiresInDays: 90 });
      this.chosen.set(new Set());
    }
  }

  protected async copy(text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.copied.set(true);
    } catch {
      this.store.error.set('The browser did not allow copying: select the token and copy it by hand.');
    }
  }

  protected revoke(token: TokenDto): void {
    if (confirm(`Revoke the token "${token.name}"? Scripts using it are refused from now on.`)) void this.store.revoke(token.id);
  }
}
