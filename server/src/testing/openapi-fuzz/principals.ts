import { DEVICE_COOKIE } from '../../app/auth/session.types';
import { ApiClient } from '../api-client';

export type RoleName = 'anonymous' | 'viewer' | 'operator' | 'admin' | 'token';

/**
 * Someone calling the API: a signed-in user (session cookie + CSRF header), nobody, or a script
 * with an API token. Each has its own loopback source address, so the per-address login throttle
 * of one does not spill onto another.
 */
export class Principal {
  readonly client: ApiClient;
  /** Bearer tokens by scope (token principal only). */
  readonly tokens = new Map<string, string>();

  constructor(
    readonly role: RoleName,
    baseUrl: string,
    readonly source: string,
    readonly username = '',
    readonly password = '',
  ) {
    this.client = new ApiClient(baseUrl, source);
  }

  /**
   * Headers for a fuzzed request. The device cookie stays out of them: a fuzzed login that fails
   * must not count against the device, whose cookie lets this principal sign in again after a
   * fuzzed logout (the throttle keys a login with a device cookie by the device alone).
   */
  headers(access: string, method: string): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    if (this.role === 'token') {
      const token = this.tokens.get(access.startsWith('token:') ? access.slice(6) : 'targets:register');
      if (token) h['authorization'] = `Bearer ${token}`;
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
    return this.role !== 'anonymous' && this.role !== 'token';
  }

  /** Signs in again if the session ended (a fuzzed logout, password change or login did that). */
  async ensureSession(): Promise<void> {
    if (!this.signsIn) return;
    if ((await this.client.get('/api/auth/session')).status === 200) return;
    const res = await this.client.login(this.username, this.password);
    if (res.status !== 200) throw new Error(`${this.role} could not sign in again: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
