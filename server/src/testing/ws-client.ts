import { CELL_RECORD_INTS, parseServerToBrowser, type LiveCells } from '@meshping/protocol';
import WebSocket from 'ws';

/** Cells back in MonitoringService's flat shape: [agentId, targetId, at, rtt, ...]. */
export function flatCells({ serverNow, records }: LiveCells): number[] {
  const out: number[] = [];
  for (let i = 0; i < records.length; i += CELL_RECORD_INTS) out.push(records[i], records[i + 1], serverNow - records[i + 3], records[i + 2]);
  return out;
}

/** A binary /live frame as a plain object: a snapshot's layout spread into it, cells flat. */
function liveFrame(data: Buffer): unknown {
  const parsed = parseServerToBrowser(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  if (!parsed.ok) throw new Error(`bad /live frame: ${parsed.error}`);
  const m = parsed.value;
  if (m.type === 'snapshot') return { type: m.type, seq: m.seq, ...m.layout, cells: flatCells(m.cells), bytes: data.byteLength };
  if (m.type === 'delta') return { type: m.type, seq: m.seq, cells: flatCells(m.cells), bytes: data.byteLength };
  return m;
}

/** A real ws client for tests: sends JSON, waits for messages matching a predicate, records closes. */
export class TestClient {
  readonly received: any[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: { match: (m: any) => boolean; resolve: (m: any) => void }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? null : JSON.parse(data.toString());
      // /live layout frames nest their layout; spread it like a snapshot's so tests read both alike.
      const message = isBinary ? liveFrame(data as Buffer) : text?.type === 'layout' && text.layout ? { ...text, ...text.layout } : text;
      this.received.push(message);
      this.waiters = this.waiters.filter((w) => (w.match(message) ? (w.resolve(message), false) : true));
    });
    socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static connect(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers, rejectUnauthorized: false, localAddress });
      const client = new TestClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  /** A string or bytes as they are (bytes: a binary frame), anything else as JSON text. */
  send(message: unknown): void {
    this.socket.send(typeof message === 'string' || message instanceof Uint8Array ? message : JSON.stringify(message));
  }

  /** Resolves with the first message (already received or still to come) that matches. */
  next(match: (m: any) => boolean, timeoutMs = 5000): Promise<any> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket not closed')), timeoutMs);
      this.socket.once('close', (code, reason) => (clearTimeout(timer), resolve({ code, reason: reason.toString() })));
    });
  }

  close(): void {
    this.socket.close();
  }
}
