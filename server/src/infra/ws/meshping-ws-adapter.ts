import { Logger, type INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { plainAddress } from '../net/client-address';
import { LogThrottle } from './log-throttle';

/** Decides at the HTTP upgrade whether a socket may open; a refusal answers with that HTTP status. */
export type UpgradeVerifier = (req: IncomingMessage) => Promise<{ ok: true } | { ok: false; status: number; reason: string }>;

/**
 * platform-ws with three changes: gateways read frames themselves (validated against libs/protocol),
 * so Nest's message parser stays idle; a path can require a verifier that runs at the upgrade; and
 * a client's socket errors (a frame over maxPayload, invalid UTF-8, a bad opcode: what the peer
 * sent) are one folded warning per address, not an error with a stack trace per socket.
 */
export class MeshpingWsAdapter extends WsAdapter {
  private readonly wsLogger = new Logger('WebSocket');
  private readonly clientErrors = new LogThrottle(this.wsLogger);

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

  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (ws: WebSocket, req: IncomingMessage) => {
      const remote = plainAddress(req.socket.remoteAddress);
      // ws closes the socket itself (1009 too big, 1007 bad UTF-8, 1002 protocol error).
      ws.on('error', (err: Error & { code?: string }) => this.clientErrors.warn('ws.client-error', remote, { path: req.url, code: err.code, reason: err.message }));
    });
    server.on('error', (err: Error) => this.wsLogger.error({ event: 'ws.server-error', reason: err.message }));
    return server;
  }
}
