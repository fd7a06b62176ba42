import { DEVICE_COOKIE } from '../../app/auth/session.types';
import { ApiClient } from '../api-client';

export type RoleName = 'anonymous' | 'viewer' | 'operator' | 'admin' | 'token-read' | 'token-write';

/**
 * Someone calling the API: a signed-in user (session cookie + CSRF header), nobody, or a script
 * with an API token of some scopes. Each has its own loopback source address, so the per-address
 * login throttle of one does not spill onto another.
 */
export class Principal {
  readonly client: ApiClient;
  /** The API token and its scopes (token principals only; set once the admin has created it). */
  token = '';
  scopes: readonly string[] = [];

  constructor(
    readonly role: RoleName,
    baseUrl: string,
    readonly source: string,
    readonly username = '',
    readonly password = '',
  ) {
    this.client = new ApiClient(baseUrl, source);
  }

  get usesToken(): boolean {
    return this.role === 'token-read' || this.role === 'token-write';
  }

  /**
   * Headers for a fuzzed request. The device cookie stays out of them: a fuzzed login that fails
   * must not count against the device, whose cookie lets this principal sign in again after a
   * fuzzed logout (the throttle keys a login with a device cookie by the device alone).
   */
  headers(method: string): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    if (this.usesToken) {
      // No cookie and no CSRF header: a script's request.
      h['authorization'] = `Bearer ${this.token}`;
      return h;
    }
    const cookies = [...this.client.cookies].filter(([k]) => k !== DEVICE_COOKIE);
    if (cookies.length) h['cookie'] = cookies.map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET' && this.client.csrf) h['x-xsrf-token'] = this.client.csrf;
    return h;
  }

  /** Keeps the cookies an answer set or cleared, as a browser does (a fuzzed login may start a new session). */
  absorb(setCookie: readonly string[]): void {
    this.client.storeCookies(setCookie);
  }

  get signsIn(): boolean {
    return this.role !== 'anonymous' && !this.usesToken;
  }

  /** Signs in again if the session ended (a fuzzed logout, password change or login did that). */
  async ensureSession(): Promise<void> {
    if (!this.signsIn) return;
    if ((await this.client.get('/api/auth/session')).status === 200) return;
    const res = await this.client.login(this.username, this.password);
    if (res.status !== 200) throw new Error(`${this.role} could not sign in again: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
