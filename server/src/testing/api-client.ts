import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A tiny HTTP client with a cookie jar, the CSRF header and a choosable source address
 * (127.0.0.x), like a browser tab on one machine. Self-signed certificates are accepted.
 */
export class ApiClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly sourceAddress = '127.0.0.1',
  ) {}

  get csrf(): string | undefined {
    return this.cookies.get('XSRF-TOKEN');
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get<T = any>(path: string): Promise<ApiResponse<T>> {
    return this.send('GET', path);
  }
  post<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.send('POST', path, body);
  }
  put<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.send('PUT', path, body);
  }
  patch<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.send('PATCH', path, body);
  }
  delete<T = any>(path: string): Promise<ApiResponse<T>> {
    return this.send('DELETE', path);
  }

  async login(username: string, password: string): Promise<ApiResponse> {
    return this.post('/api/auth/login', { username, password });
  }

  /** Keeps the cookies an answer set, and forgets those it cleared, as a browser does. */
  storeCookies(setCookie: readonly string[]): void {
    for (const c of setCookie) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const value = pair.slice(i + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(pair.slice(0, i));
      else this.cookies.set(pair.slice(0, i), value);
    }
  }

  send<T = any>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (this.cookies.size) headers['cookie'] = this.cookieHeader;
    if (method !== 'GET' && this.csrf && !('x-xsrf-token' in extraHeaders)) headers['x-xsrf-token'] = this.csrf;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, localAddress: this.sourceAddress, rejectUnauthorized: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          this.storeCookies(res.headers['set-cookie'] ?? []);
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}
