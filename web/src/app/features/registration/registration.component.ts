import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { RegistrationStore } from './registration.store';

/** New agent registration (admins): the join passphrase, the command line to copy, rotation. */
@Component({
  selector: 'mp-registration',
  changeDetection: ChangeDetectionStrategy.OnPush,
  providers: [RegistrationStore],
  template: `
    <section class="card">
      <h1>New agent registration</h1>
      <p class="note">
        Run this on the host that should monitor (as root or with CAP_NET_RAW). The agent checks this server's certificate
        against the fingerprint in the passphrase, registers, and waits on the Agents screen until someone approves it.
      </p>
      @if (error()) {
        <p class="error" role="alert">{{ error() }}</p>
      }
      @if (enrollment(); as e) {
        <h2>Command line</h2>
        <pre class="copy" data-testid="agent-command">{{ e.command }}</pre>
        <button type="button" (click)="copy(e.command)">{{ copied() ? 'Copied' : 'Copy command' }}</button>
        <h2>Certificate fingerprint (SHA-256)</h2>
        <code data-testid="fingerprint">{{ e.fingerprint }}</code>
        <h2>Rotate</h2>
        <p class="note">A new passphrase makes the current one useless for new registrations. Enrolled agents are not affected.</p>
        <button type="button" class="danger" (click)="rotate()">Rotate passphrase</button>
      }
    </section>
  `,
  styles: `.copy { white-space: pre-wrap; word-break: break-all; background: var(--mp-bg); padding: 0.5rem; border: 1px solid var(--mp-border); border-radius: 4px; }`,
})
export class RegistrationComponent {
  private readonly store = inject(RegistrationStore);
  protected readonly enrollment = this.store.enrollment;
  protected readonly copyError = signal('');
  protected readonly error = () => this.store.error() || this.copyError();
  protected readonly copied = signal(false);

  constructor() {
    void this.store.load();
  }

  protected async copy(text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.copied.set(true);
    } catch {
      this.copyError.set('The browser did not allow copying: select the command and copy it by hand.');
    }
  }

  protected rotate(): void {
    if (confirm('Rotate the passphrase? Agents not yet registered will need the new one.')) {
      this.copied.set(false);
      void this.store.rotate();
    }
  }
}
