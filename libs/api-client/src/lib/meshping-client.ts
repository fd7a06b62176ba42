import { createClient, createConfig, type Client } from '../generated/client';
import type { ErrorResponse } from '../generated/types.gen';

/**
 * What every failed call throws: the HTTP status (0 when the server could not be reached) and the
 * server's ErrorResponse, whose `message` says what was wrong (one sentence, or one per field).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse | null,
    readonly operation: string,
    cause?: unknown,
  ) {
    super(ApiError.describe(status, body, operation), cause === undefined ? undefined : { cause });
    this.name = 'ApiError';
  }

  /** The server's reasons as one sentence (validation errors joined), or the status when it gave none. */
  get reasons(): string {
    const m = this.body?.message;
    return Array.isArray(m) ? m.join('; ') : (m ?? '');
  }

  private static describe(status: number, body: ErrorResponse | null, operation: string): string {
    if (status === 0) return `${operation}: the server cannot be reached`;
    const m = body?.message;
    return `${operation}: ${status}${m ? ` ${Array.isArray(m) ? m.join('; ') : m}` : ''}`;
  }
}

export interface MeshpingClientOptions {
  /** The server's origin, e.g. https://meshping.example:8443 ('' in the browser: same origin). */
  baseUrl?: string;
  /** An API token (mpt_...): sent as Authorization: Bearer; no cookie, no CSRF header needed. */
  token?: string;
  /**
   * A signed-in session: the CSRF token writes echo and, outside browsers, the session cookie's
   * value (sent as `__Host-meshping=<value>`, the name in the document: HTTPS servers only).
   */
  session?: { csrf: () => string | undefined; cookie?: () => string | undefined };
  /** A fetch to use instead of the global one (tests, proxies, a custom TLS agent). */
  fetch?: typeof fetch;
}

/** Points a client (the generated SDK's shared one by default) at a server with one way to sign in. */
export function configureClient(client: Client, options: MeshpingClientOptions): Client {
  client.setConfig({
    baseUrl: options.baseUrl ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
    credentials: 'same-origin',
    throwOnError: true,
    // The document lists each operation's schemes; give each what it asks for, if we hold it.
    auth: (scheme) => {
      if (scheme.type === 'http' && scheme.scheme === 'bearer') return options.token;
      if (scheme.in === 'cookie') return options.session?.cookie?.();
      if (scheme.name?.toLowerCase() === 'x-xsrf-token') return options.session?.csrf();
      return undefined;
    },
  });
  client.interceptors.error.use((error, response, request) => {
    const path = request ? new URL(request.url).pathname : '';
    const operation = `${request?.method ?? ''} ${path}`.trim();
    const body = error && typeof error === 'object' && 'message' in error ? (error as ErrorResponse) : null;
    // No response: the request never got one (refused, TLS, DNS); keep why as the cause.
    return new ApiError(response?.status ?? 0, body, operation, response ? undefined : error);
  });
  return client;
}

/** A client of its own (several servers or identities in one process); pass it as `{ client }` to SDK calls. */
export function createMeshpingClient(options: MeshpingClientOptions): Client {
  return configureClient(createClient(createConfig()), options);
}
