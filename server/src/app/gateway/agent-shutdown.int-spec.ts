import { encodeResultsFrame, PROTOCOL_VERSION } from '@meshping/protocol';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Database, OPEN_READONLY } from 'sqlite3';
import { DataSource } from 'typeorm';
import { DATABASE_FILE } from '../../infra/database/database.module';
import { LOCAL_TOKEN_FILE } from '../../infra/local-trust/local-trust.service';
import { startTestServer, type TestServer } from '../../testing/test-server';
import { TestClient } from '../../testing/ws-client';
import { AgentGateway } from './agent.gateway';

function lastSeen(file: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const db = new Database(file, OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.get('SELECT last_seen_at AS at FROM agents WHERE is_local = 1', (e, row: { at: number | null } | undefined) => {
        db.close();
        return e ? reject(e) : resolve(row?.at ?? null);
      });
    });
  });
}

/** Everything TypeORM's default logger (or anything else) would print beside the JSON lines. */
function captureConsole(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const spies = (['log', 'warn', 'error', 'info'] as const).map((name) =>
    jest.spyOn(console, name).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
  );
  return { lines, restore: () => spies.forEach((s) => s.mockRestore()) };
}

describe(`${AgentGateway.name}: a clean shutdown (real server, real SQLite file, real ws)`, () => {
  it('writes the last-seen time of every connected agent before the database closes, every time (8 starts and stops)', async () => {
    const console = captureConsole();
    try {
      for (let run = 0; run < 8; run++) {
        const server: TestServer = await startTestServer();
        const token = readFileSync(join(server.dataDir, LOCAL_TOKEN_FILE), 'utf8');
        const agent = await TestClient.connect(`${server.url.replace('http', 'ws')}/agent`);
        agent.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname: 'local', version: '0.1.0', addresses: [] }, auth: { kind: 'local-token', token } });
        const { agentId } = await agent.next((m) => m.type === 'welcome');
        const { targets } = await agent.next((m) => m.type === 'targets');
        // Batches in flight as the server stops: each waits for its group commit, and the link's
        // close waits behind them.
        for (let seq = 1; seq <= 20; seq++) agent.send(encodeResultsFrame(seq, [{ targetId: targets[0].id, at: Date.now() - 30_000 + seq * 1000, rtt: 900 }]));
        await agent.next((m) => m.type === 'ack');
        const beforeClose = Date.now();
        await server.app.close();
        const closedBy = await agent.waitClosed();
        expect(closedBy.code).toBe(1001);
        expect(server.app.get(DataSource).isInitialized).toBe(false);
        const seen = await lastSeen(join(server.dataDir, DATABASE_FILE));
        rmSync(server.dataDir, { recursive: true, force: true });
        const logged = [...server.logger.lines, ...console.lines].join('\n');
        expect(logged).not.toContain('SQLITE_MISUSE');
        expect(logged).not.toContain('agent.frame-failed');
        // Written at the disconnect, not only at the hello.
        expect({ run, agentId, seen: (seen ?? 0) >= beforeClose }).toEqual({ run, agentId, seen: true });
      }
    } finally {
      console.restore();
    }
  }, 60_000);

  it('logs a failed query as one JSON line through the app logger, never as plain text', async () => {
    const console = captureConsole();
    const server = await startTestServer();
    try {
      await expect(server.app.get(DataSource).query('UPDATE no_such_table SET x = ?', ['secret-value'])).rejects.toThrow('no such table');
      const line = server.logger.lines.find((l) => l.includes('database.query-failed'));
      expect(JSON.parse(line as string)).toMatchObject({ event: 'database.query-failed', query: 'UPDATE no_such_table SET x = ?', err: { code: 'SQLITE_ERROR' } });
      expect(line).not.toContain('secret-value');
      expect(console.lines).toEqual([]);
    } finally {
      console.restore();
      await server.stop();
    }
  });
});
