import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * A WebSocket relay between an agent and the server that a test can cut (`down()`: every
 * connection dropped, nothing listening, so reconnects are refused) and restore (`up()`, same
 * port). It records what the agent sent, parsed.
 */
export class WsProxy {
  readonly fromAgent: { type: string; seq?: number; [k: string]: unknown }[] = [];
  /** When each agent connection was accepted (epoch ms). */
  readonly connections: number[] = [];
  private http: Server | null = null;
  private readonly sockets = new Set<WebSocket>();
  port = 0;

  constructor(private readonly upstream: string) {}

  async up(): Promise<void> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (agent, req) => {
      this.connections.push(Date.now());
      const server = new WebSocket(this.upstream + (req.url ?? '/'));
      this.sockets.add(agent).add(server);
      const queued: [WebSocket.RawData, boolean][] = [];
      agent.on('message', (data, isBinary) => {
        try {
          this.fromAgent.push(JSON.parse(data.toString()));
        } catch {
          /* not JSON: relayed as is */
        }
        if (server.readyState === WebSocket.OPEN) server.send(data, { binary: isBinary });
        else queued.push([data, isBinary]);
      });
      server.on('open', () => queued.splice(0).forEach(([d, b]) => server.send(d, { binary: b })));
      server.on('message', (data, isBinary) => agent.readyState === WebSocket.OPEN && agent.send(data, { binary: isBinary }));
      const end = () => {
        agent.terminate();
        server.terminate();
      };
      agent.on('close', end).on('error', end);
      server.on('close', end).on('error', end);
    });
    await new Promise<void>((ok, fail) => http.once('error', fail).listen(this.port, '127.0.0.1', () => ok()));
    this.port = (http.address() as AddressInfo).port;
    this.http = http;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.sockets.clear();
    const http = this.http;
    this.http = null;
    if (http) await new Promise<void>((ok) => http.close(() => ok()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
