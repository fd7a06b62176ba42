import { Inject, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock } from '@meshping/node-kit';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { HEARTBEAT_INTERVAL_MS, LIVE_PUSH_INTERVAL_MS, LIVE_WS_PATH, MAX_BROWSER_FRAME_BYTES, parseBrowserMessage } from '@meshping/protocol';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { SessionStore } from '../access/session.store';
import { handshakeUsers, SocketAuth } from '../access/socket-auth';
import { UsersService } from '../users/users.service';
import { LiveFeedService } from '../live/live-feed.service';

/**
 * The browsers' live socket (docs/protocol.md), transport only: the frames are LiveFeedService's.
 * A binary snapshot on connect and on resync; then once a second a JSON `layout` when agents,
 * targets or thresholds changed, and a binary delta of the cells that changed (16 bytes a cell,
 * never the whole grid). Every message carries seq; a browser that sees a gap sends `resync` and
 * gets a new snapshot. Here: who may connect and how many, liveness, and back-pressure.
 */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Live sockets one user may hold at once (tabs, wall displays); more are closed with 4429. */
export const MAX_LIVE_SOCKETS_PER_USER = 16;
/** A socket gets at most one snapshot per second; a resync sooner waits for its turn (one at most). */
const RESYNC_EVERY_MS = 1_000;
/** A browser never sends a bad frame: after this many the socket is closed (4400). */
const MAX_BAD_FRAMES = 10;

@WebSocketGateway({ path: LIVE_WS_PATH, maxPayload: MAX_BROWSER_FRAME_BYTES })
export class LiveGateway implements OnGatewayConnection, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveGateway.name);
  private readonly clients = new Set<WebSocket>();
  /** The signed-in user behind each socket, to close them when that user's sessions end. */
  private readonly owners = new WeakMap<WebSocket, { userId: number; sid: string }>();
  private timer?: NodeJS.Timeout;
  private liveness?: NodeJS.Timeout;
  /** Sockets that answered the last ping; the others are half-open and get terminated. */
  private readonly alive = new WeakSet<WebSocket>();
  /** Live sockets per user, counted from the upgrade to the close. */
  private readonly perUser = new Map<number, number>();

  constructor(
    private readonly feed: LiveFeedService,
    private readonly users: UsersService,
    private readonly sessions: SessionStore,
    private readonly socketAuth: SocketAuth,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.users.sessionsRevoked$.subscribe((userId) => {
      for (const c of this.clients) if (this.owners.get(c)?.userId === userId) c.close(4401, 'session ended');
    });
    this.sessions.destroyed$.subscribe((sid) => {
      for (const c of this.clients) if (this.owners.get(c)?.sid === sid) c.close(4401, 'session ended');
    });
    this.timer = setInterval(() => void this.tick(), LIVE_PUSH_INTERVAL_MS);
    this.timer.unref();
    this.liveness = setInterval(() => this.checkLiveness(), HEARTBEAT_INTERVAL_MS);
    this.liveness.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    clearInterval(this.liveness);
  }

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    // The upgrade was authenticated (SocketAuth); a socket without a user never gets here.
    const owner = handshakeUsers.get(request);
    if (!owner) return socket.close(4401, 'not signed in');
    const userId = owner.user.id;
    const open = (this.perUser.get(userId) ?? 0) + 1;
    this.perUser.set(userId, open);
    socket.on('close', () => {
      this.clients.delete(socket);
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    });
    if (open > MAX_LIVE_SOCKETS_PER_USER) return socket.close(4429, `at most ${MAX_LIVE_SOCKETS_PER_USER} live connections per user`);
    this.owners.set(socket, { userId, sid: owner.sid });
    this.alive.add(socket);
    socket.on('pong', () => this.alive.add(socket));
    let badFrames = 0;
    let lastSnapshot = this.clock.now();
    let resyncDue: NodeJS.Timeout | null = null;
    socket.on('message', (data, isBinary) => {
      const parsed = parseBrowserMessage(isBinary ? null : data.toString());
      if (!parsed.ok) {
        if (++badFrames > MAX_BAD_FRAMES) return socket.close(4400, `more than ${MAX_BAD_FRAMES} bad frames`);
        return this.sendRaw(socket, JSON.stringify({ type: 'error', message: parsed.error }));
      }
      // A snapshot is the whole grid: a socket asking for one again and again gets one a second.
      if (resyncDue) return;
      resyncDue = setTimeout(() => {
        lastSnapshot = this.clock.now();
        this.feed.snapshot().then(
          (s) => ((resyncDue = null), this.sendRaw(socket, s)),
          (err) => ((resyncDue = null), this.logger.error({ event: 'live.snapshot-failed', err })),
        );
      }, Math.max(0, lastSnapshot + RESYNC_EVERY_MS - this.clock.now()));
      resyncDue.unref();
    });
    try {
      const snapshot = await this.feed.snapshot();
      // Joined in the same turn as the snapshot is taken: the next delta (seq + 1) follows it.
      this.sendRaw(socket, snapshot);
      if (socket.readyState === socket.OPEN) this.clients.add(socket);
    } catch (err) {
      this.logger.error({ event: 'live.snapshot-failed', err });
      socket.close(1011, 'try again');
    }
  }

  private async tick(): Promise<void> {
    try {
      const layout = this.feed.nextLayout();
      if (layout) {
        const frame = await layout;
        for (const c of this.clients) this.sendRaw(c, frame);
      }
      // With no browser connected the changes are only forgotten (a new one starts from a snapshot).
      const delta = this.feed.nextDelta(this.clients.size > 0);
      if (!delta) return;
      for (const c of this.clients) this.sendRaw(c, delta);
    } catch (err) {
      this.logger.error({ event: 'live.push-failed', err });
    }
  }

  /** Drops half-open sockets, and sockets whose session expired since the handshake. */
  private checkLiveness(): void {
    for (const c of this.clients) {
      if (!this.alive.has(c)) {
        c.terminate();
        continue;
      }
      this.alive.delete(c);
      c.ping();
      const owner = this.owners.get(c);
      if (owner) {
        this.socketAuth.stillValid(owner.sid).then(
          (valid) => valid || c.close(4401, 'session ended'),
          (err) => this.logger.error({ event: 'live.session-check-failed', err }),
        );
      }
    }
  }

  /** A browser that cannot keep up (megabytes unsent) is dropped; it reconnects and gets a snapshot. */
  private sendRaw(socket: WebSocket, frame: string | Uint8Array): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return void socket.terminate();
    socket.send(frame);
  }
}
