import { encodeResults, PROBE_INTERVAL_MS, PROTOCOL_VERSION } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { TestClient } from '../ws-client';

export interface Sample {
  targetId: number;
  at: number;
  rtt: number;
}

/**
 * The server's own agent (local token) over a real WebSocket, delivering a batch of results for
 * each of its targets every `everyMs` while the fuzz runs, and keeping what the server acknowledged:
 * afterwards every acknowledged sample must be stored exactly once.
 */
export class AckedAgent {
  readonly acked: Sample[] = [];
  private readonly sent = new Map<number, Sample[]>();
  private timer?: NodeJS.Timeout;
  private seq = 0;

  private constructor(
    private readonly link: TestClient,
    readonly targetIds: number[],
    private readonly firstAt: number,
  ) {
    link.socket.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'ack' && this.sent.has(m.seq)) {
        this.acked.push(...(this.sent.get(m.seq) ?? []));
        this.sent.delete(m.seq);
      }
    });
  }

  static async connect(url: string, dataDir: string): Promise<AckedAgent> {
    const token = readFileSync(join(dataDir, LOCAL_TOKEN_FILE), 'utf8');
    const link = await TestClient.connect(`${url.replace(/^http/, 'ws')}/agent`, {}, '127.0.0.1');
    link.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'fuzz-agent', version: '1', addresses: [] }, auth: { kind: 'local-token', token } });
    const { targets } = await link.next((m) => m.type === 'targets');
    // 35 minutes back (the server takes results up to 40 minutes old): room for 400 batches before now.
    return new AckedAgent(link, targets.map((t: { id: number }) => t.id), Date.now() - 35 * 60_000);
  }

  /** Sends a batch every `everyMs`, at most `maxBatches` (one probe interval apart, never in the future). */
  start(everyMs: number, maxBatches = 400): void {
    this.timer = setInterval(() => {
      if (this.seq >= maxBatches || this.link.closed) return;
      const at = this.firstAt + this.seq * PROBE_INTERVAL_MS;
      const samples = this.targetIds.map((targetId, i) => ({ targetId, at: at + i, rtt: 1000 + this.seq * 7 + i }));
      this.sent.set(this.seq, samples);
      this.link.send(encodeResults(this.seq, samples));
      this.seq += 1;
    }, everyMs);
  }

  get batches(): number {
    return this.seq;
  }

  get closed() {
    return this.link.closed;
  }

  /** Stops sending and waits (up to `timeoutMs`) for the answers to what was sent. */
  async stop(timeoutMs = 15_000): Promise<{ unanswered: number }> {
    clearInterval(this.timer);
    const end = Date.now() + timeoutMs;
    while (this.sent.size && Date.now() < end && !this.link.closed) await new Promise((r) => setTimeout(r, 50));
    const unanswered = this.sent.size;
    this.link.close();
    return { unanswered };
  }
}
