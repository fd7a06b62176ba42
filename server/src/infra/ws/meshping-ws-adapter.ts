import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';

/** Decides at the HTTP upgrade whether a socket may open; a refusal answers with that HTTP status. */
export type UpgradeVerifier = (req: IncomingMessage) => Promise<{ ok: true } | { ok: false; status: number; reason: string }>;

/**
 * platform-ws with two changes: gateways read frames themselves (validated against libs/protocol),
 * so Nest's message parser stays idle; and a path can require a verifier that runs at the upgrade.
 */
export class MeshpingWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly verifiers: Record<string, UpgradeVerifier>,
  ) {
    super(app, { messageParser: () => undefined });
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}): unknown {
    const verifier = options.path ? this.verifiers[options.path] : undefined;
    if (!verifier) return super.create(port, options);
    return super.create(port, {
      ...options,
      verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, status?: number, reason?: string) => void) => {
        verifier(info.req).then(
          (r) => (r.ok ? done(true) : done(false, r.status, r.reason)),
          () => done(false, 500, 'handshake failed'),
        );
      },
    });
  }
}
