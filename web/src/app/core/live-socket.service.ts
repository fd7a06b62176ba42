import { DestroyRef, inject, Injectable, signal } from '@angular/core';
import { LIVE_WS_PATH, parseServerToBrowser, type BrowserToServer, type ServerToBrowser } from '@meshping/protocol';
import { Subject } from 'rxjs';

export type LinkState = 'connecting' | 'open' | 'closed';

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15_000;

/**
 * The browser's live feed from the server: one WebSocket, every frame validated against
 * libs/protocol, reconnects with back-off. Provided by the screen that shows live data, so the
 * socket opens with that screen (and the current session) and closes when it goes, or at logout.
 * Feature stores read `messages$`.
 */
@Injectable()
export class LiveSocketService {
  readonly state = signal<LinkState>('connecting');
  readonly messages$ = new Subject<ServerToBrowser>();
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retry?: ReturnType<typeof setTimeout>;
  private stopped = false;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stop());
    this.connect();
  }

  send(message: BrowserToServer): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private connect(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${LIVE_WS_PATH}`;
    this.state.set('connecting');
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer'; // cells come as binary frames (docs/protocol.md)
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.state.set('open');
    };
    socket.onmessage = (event) => {
      const parsed = parseServerToBrowser(event.data);
      if (parsed.ok) this.messages$.next(parsed.value);
      else console.warn('Meshping: ignored a malformed live message:', parsed.error);
    };
    socket.onclose = () => {
      this.state.set('closed');
      if (this.stopped) return;
      const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.attempt++);
      this.retry = setTimeout(() => this.connect(), delay);
    };
  }

  private stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.socket?.close();
  }
}
