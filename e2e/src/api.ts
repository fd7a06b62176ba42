import { completeSetup, createMeshpingClient, login, type Client } from '@meshping/api-client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { Agent } from 'undici';

/** The first admin every e2e test creates. */
export const ADMIN = { username: 'admin', password: 'admin password 1' } as const;

/** What a session needs of a started server: its URL, and its data directory (an https server's self-signed certificate is there). */
export interface ServerRef {
  readonly url: string;
  readonly dataDir: string;
}

/**
 * A session with a Meshping server through the generated client (@meshping/api-client), held as a
 * browser holds one: the cookies every answer sets (the session cookie, XSRF-TOKEN) are kept and
 * sent back, and writes echo the CSRF token. Node's fetch has no cookie jar, hence this one. An
 * https server's self-signed certificate is trusted by its own file (tls/server.crt in its data
 * directory), not by turning the check off: a wrong certificate still fails.
 */
export class ApiSession {
  /** Pass as `{ client }` to the generated functions. */
  readonly client: Client;
  /** The HTTP status of the latest answer (the generated functions resolve to the body alone; any 2xx resolves). */
  lastStatus = 0;
  private readonly cookies = new Map<string, string>();

  private constructor(readonly server: ServerRef) {
    const dispatcher = server.url.startsWith('https:') ? new Agent({ connect: { ca: readFileSync(join(server.dataDir, 'tls/server.crt')) } }) : undefined;
    this.client = createMeshpingClient({
      baseUrl: server.url,
      // The session cookie goes in the Cookie header below, not through the client's cookie scheme:
      // the document names that cookie __Host-meshping, which a plain-HTTP server calls meshping.
      session: { csrf: () => this.cookies.get('XSRF-TOKEN') },
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (this.cookies.size) request.headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
        // Node 20's fetch takes an undici dispatcher (not in its RequestInit type).
        const res = await fetch(request, { dispatcher } as RequestInit);
        this.lastStatus = res.status;
        this.keep(res.headers.getSetCookie());
        return res;
      },
    });
  }

  /** Creates the first admin with the setup code from the server's log, signed in as them. */
  static async setUp(server: ServerRef, setupCode: string, user: { username: string; password: string } = ADMIN): Promise<ApiSession> {
    const s = new ApiSession(server);
    await completeSetup({ client: s.client, body: { setupCode, ...user } });
    return s;
  }

  static async logIn(server: ServerRef, user: { username: string; password: string } = ADMIN): Promise<ApiSession> {
    const s = new ApiSession(server);
    await login({ client: s.client, body: user });
    return s;
  }

  /** The session a browser context holds for this server (its cookies, as they are now). */
  static async ofBrowser(context: BrowserContext, server: ServerRef): Promise<ApiSession> {
    const s = new ApiSession(server);
    for (const c of await context.cookies(server.url)) s.cookies.set(c.name, c.value);
    return s;
  }

  /** This session's cookies, for a browser context to share it (`context.addCookies`). */
  browserCookies(): { name: string; value: string; url: string }[] {
    return [...this.cookies].map(([name, value]) => ({ name, value, url: this.server.url }));
  }

  /** Keeps the cookies an answer set, and forgets those it cleared, as a browser does. */
  private keep(setCookie: readonly string[]): void {
    for (const c of setCookie) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const value = pair.slice(i + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c) || /max-age=0(;|$)/i.test(c)) this.cookies.delete(pair.slice(0, i));
      else this.cookies.set(pair.slice(0, i), value);
    }
  }
}
