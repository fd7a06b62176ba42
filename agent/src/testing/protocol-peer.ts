import { parseResultsFrame, type AgentToServer, type ServerToAgent } from '@meshping/protocol';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A stand-in server speaking the protocol over a real WebSocket on loopback. */
export class ProtocolPeer {
  readonly received: AgentToServer[] = [];
  /** Results that came as binary frames (the agent's form since protocol 2), decoded into `received`. */
  binaryResults = 0;
  socket: WebSocket | null = null;
  /** Connections the agent made so far (a redial is one more). */
  connections = 0;
  /** Called with every message after it is recorded (e.g. to acknowledge results). */
  onMessage: (msg: AgentToServer) => void = () => undefined;
  private readonly wss: WebSocketServer;
  constructor(onHello: (peer: ProtocolPeer) => void) {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/agent' });
    this.wss.on('connection', (socket) => {
      this.socket = socket;
      this.connections += 1;
      socket.on('message', (data, isBinary) => {
        const msg = isBinary ? this.results(data as Buffer) : (JSON.parse(data.toString()) as AgentToServer);
        this.received.push(msg);
        if (msg.type === 'hello') onHello(this);
        this.onMessage(msg);
      });
    });
  }
  private results(frame: Buffer): AgentToServer {
    const parsed = parseResultsFrame(frame);
    if (!parsed.ok) throw new Error(`the agent sent a bad results frame: ${parsed.error}`);
    this.binaryResults += 1;
    const { seq, base, target, dt, rtt } = parsed.value;
    return { type: 'results', seq, base, target: Array.from(target), dt: Array.from(dt), rtt: Array.from(rtt) };
  }
  ready(): Promise<void> {
    return new Promise((r) => (this.wss.address() ? r() : this.wss.once('listening', () => r())));
  }
  get url(): string {
    return `http://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }
  send(msg: ServerToAgent): void {
    this.socket?.send(JSON.stringify(msg));
  }
  async until<T extends AgentToServer>(match: (m: AgentToServer) => m is T, timeoutMs = 5000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find(match);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`not received; got ${JSON.stringify(this.received.map((m) => m.type))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}
