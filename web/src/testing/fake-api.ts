import { configureClient, defaultClient } from '@meshping/api-client';

/** A request the app made, held until the test answers it. */
export class HeldRequest {
  private answer!: (response: Response) => void;
  readonly answered = new Promise<Response>((resolve) => (this.answer = resolve));

  constructor(
    readonly method: string,
    readonly url: URL,
    readonly body: unknown,
    readonly headers: Headers,
  ) {}

  /** The path with its query, e.g. /api/pairs/3/7/stats?from=0&to=1 */
  get path(): string {
    return this.url.pathname + this.url.search;
  }

  flush(body: unknown, status = 200): void {
    this.answer(new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  }
}

/**
 * The server, as the generated API client sees it in unit tests: the client's fetch is replaced by
 * one that records each request and waits for the test to answer (like Angular's
 * HttpTestingController did for HttpClient).
 */
export class FakeApi {
  private readonly held: HeldRequest[] = [];

  constructor() {
    configureClient(defaultClient, {
      baseUrl: 'http://localhost',
      session: { csrf: () => 'test-csrf' },
      fetch: async (input: RequestInfo | URL) => {
        const request = input as Request;
        const text = await request.text();
        const held = new HeldRequest(request.method, new URL(request.url), text ? JSON.parse(text) : undefined, request.headers);
        this.held.push(held);
        return held.answered;
      },
    });
  }

  /** The one open request matching, taken off the list; fails when there is none or more than one. */
  expectOne(match: (r: HeldRequest) => boolean, what = 'a matching request'): HeldRequest {
    const found = this.match(match);
    if (found.length !== 1) throw new Error(`expected one request for ${what}, found ${found.length}; open: ${this.open()}`);
    return found[0];
  }

  /** Every open request matching, taken off the list. */
  match(match: (r: HeldRequest) => boolean): HeldRequest[] {
    const found = this.held.filter(match);
    for (const r of found) this.held.splice(this.held.indexOf(r), 1);
    return found;
  }

  /** Fails if the app made a request the test did not look at. */
  verify(): void {
    if (this.held.length) throw new Error(`unexpected requests: ${this.open()}`);
  }

  /** Lets the client's promise chain (request interceptors, reading the body) reach fetch. */
  async settle(rounds = 10): Promise<void> {
    for (let i = 0; i < rounds; i++) await new Promise<void>((r) => queueMicrotask(r));
  }

  private open(): string {
    return this.held.map((r) => `${r.method} ${r.path}`).join(', ') || 'none';
  }
}
