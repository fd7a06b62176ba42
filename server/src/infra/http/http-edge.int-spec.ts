import type { LoggerService } from '@nestjs/common';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { gzipSync } from 'node:zlib';
import { startServer, type StartedServer } from '../../bootstrap';
import { AGENT_WS_PATH } from '@meshping/protocol';
import WebSocket from 'ws';
import { ApiClient } from '../../testing/api-client';
import { TestClient } from '../../testing/ws-client';
import { loadServerConfig } from '../config/server-config';
import { BODY_LIMIT_BYTES, BODY_MAX_DEPTH } from './body-parsing';
import { CONNECTION_TIMEOUTS, type ConnectionTimeouts } from './server-limits';

/** Keeps each line with its level, to tell warnings from errors. */
class LevelLogger implements LoggerService {
  readonly lines: { level: string; text: string }[] = [];
  log(m: unknown): void { this.keep('log', m); }
  warn(m: unknown): void { this.keep('warn', m); }
  error(m: unknown, ...rest: unknown[]): void { this.keep('error', [m, ...rest]); }
  private keep(level: string, m: unknown): void {
    this.lines.push({ level, text: typeof m === 'string' ? m : JSON.stringify(m) });
  }
}

interface Started extends StartedServer { logger: LevelLogger; stop(): Promise<void> }

/** The real server with the built web app's static module mounted (it used to turn body errors into 404). */
async function start(env: Record<string, string>, timeouts?: ConnectionTimeouts): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshping-edge-'));
  const webDir = join(dataDir, 'web');
  mkdirSync(webDir);
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>web</title>');
  const config = loadServerConfig({ MESHPING_DATA_DIR: dataDir, MESHPING_PORT: '0', MESHPING_TLS: 'off', MESHPING_WEB_DIR: webDir, ...env });
  const logger = new LevelLogger();
  const started = await startServer(config, { logger, timeouts });
  return { ...started, logger, stop: async () => { await started.app.close(); rmSync(dataDir, { recursive: true, force: true }); } };
}

describe('HTTP edge: request bodies', () => {
  let server: Started;
  let client: ApiClient;
  beforeAll(async () => {
    server = await start({});
    client = new ApiClient(server.url);
  });
  afterAll(() => server.stop());

  const deep = (n: number) => '{"username":' + '['.repeat(n) + ']'.repeat(n) + ',"password":"x"}';

  it('answers malformed JSON with 400 naming the problem', async () => {
    const res = await client.send('POST', '/api/auth/login', '{"username": "a",');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/^Request body is not valid JSON: /) });
  });

  it('answers a body over the limit with 413 naming the limit', async () => {
    const res = await client.send('POST', '/api/auth/login', JSON.stringify({ username: 'a', password: 'x'.repeat(BODY_LIMIT_BYTES) }));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'Request body is larger than the limit of 100 KB (102400 bytes).' });
  });

  it('answers a compressed body and a non-JSON content type with 415', async () => {
    const zipped = gzipSync(JSON.stringify({ username: 'a', password: 'b' }));
    const gz = await rawPost(server.url, '/api/auth/login', zipped, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(gz.status).toBe(415);
    expect(gz.body).toEqual({ statusCode: 415, error: 'Unsupported Media Type', message: 'Unsupported Content-Encoding: send the body uncompressed (identity).' });
    const text = await rawPost(server.url, '/api/auth/login', Buffer.from('username=a&password=b'), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(text.status).toBe(415);
    expect(text.body['message']).toBe('Unsupported Content-Type "application/x-www-form-urlencoded": send application/json.');
  });

  it('answers deeply nested JSON to login, reset and setup with 400, logged once at warn without a stack', async () => {
    for (const path of ['/api/auth/login', '/api/auth/reset', '/api/auth/setup']) {
      for (let i = 0; i < 3; i++) {
        const res = await client.send('POST', path, deep(3000));
        expect([path, res.status, res.body.message]).toEqual([path, 400, `Request body is nested deeper than ${BODY_MAX_DEPTH} levels.`]);
      }
    }
    // Nesting up to the limit reaches the validators, which refuse it cleanly.
    for (const path of ['/api/auth/login', '/api/auth/reset', '/api/auth/setup']) {
      const objects = '{"username":' + '{"a":'.repeat(BODY_MAX_DEPTH - 2) + '{}' + '}'.repeat(BODY_MAX_DEPTH - 2) + ',"token":' + '['.repeat(BODY_MAX_DEPTH - 1) + ']'.repeat(BODY_MAX_DEPTH - 1) + '}';
      expect([path, (await client.send('POST', path, objects)).status]).toEqual([path, 400]);
    }
    // Nesting inside a string is not nesting.
    expect((await client.send('POST', '/api/auth/login', JSON.stringify({ username: '['.repeat(60), password: 'x' }))).status).toBe(401);
    expect(server.logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    const warnings = server.logger.lines.filter((l) => l.text.includes('http.body-refused'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.every((l) => l.level === 'warn' && !/\n\s+at /.test(l.text))).toBe(true);
    // The server still serves everyone else.
    expect((await client.get('/api/health')).status).toBe(200);
  });

  it('still takes bodyless POSTs and normal JSON', async () => {
    expect((await client.send('POST', '/api/auth/login', JSON.stringify({ username: 'nobody', password: 'wrong password' }))).status).toBe(401);
    expect((await client.send('POST', '/api/auth/logout')).status).toBe(401);
  });
});

describe('HTTP edge: TLS suites and connection timeouts', () => {
  const short: ConnectionTimeouts = { handshakeMs: 700, headersMs: 1_000, requestMs: 2_000, keepAliveMs: 1_000, checkEveryMs: 250 };

  it('refuses a client that offers only CBC-SHA1 suites, serves a modern one over TLS 1.2 and 1.3', async () => {
    const server = await start({ MESHPING_TLS: 'on' });
    const port = Number(new URL(server.url).port);
    try {
      await expect(handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:AES128-SHA' })).rejects.toThrow(/handshake failure|no shared cipher|alert/i);
      await expect(handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).resolves.toEqual({ protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
      await expect(handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' })).resolves.toEqual({ protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-CHACHA20-POLY1305' });
      await expect(handshake(port, {})).resolves.toMatchObject({ protocol: 'TLSv1.3' });
      await expect(handshake(port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).rejects.toThrow();
    } finally {
      await server.stop();
    }
  });

  it('closes TCP connections that never start TLS', async () => {
    const server = await start({ MESHPING_TLS: 'on' }, short);
    try {
      const closed = await Promise.all(Array.from({ length: 5 }, () => idleConnection(Number(new URL(server.url).port))));
      expect(closed).toEqual(Array(5).fill('closed by server'));
      expect((await new ApiClient(server.url).get('/api/health')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('closes plain HTTP connections that send nothing, or headers that never end', async () => {
    const server = await start({}, short);
    const port = Number(new URL(server.url).port);
    try {
      const silent = Array.from({ length: 3 }, () => idleConnection(port));
      const slow = Array.from({ length: 3 }, () => idleConnection(port, 'GET /api/health HTTP/1.1\r\nHost: x\r\n'));
      expect(await Promise.all([...silent, ...slow])).toEqual(Array(6).fill('closed by server'));
    } finally {
      await server.stop();
    }
  });

  it('leaves an upgraded WebSocket alone past the header and request timeouts', async () => {
    const server = await start({}, short);
    try {
      const ws = await TestClient.connect(server.url.replace('http', 'ws') + AGENT_WS_PATH);
      await new Promise((r) => setTimeout(r, short.requestMs + 3 * short.checkEveryMs));
      expect([ws.closed, ws.socket.readyState]).toEqual([null, WebSocket.OPEN]);
      ws.socket.close();
    } finally {
      await server.stop();
    }
  });

  it('has defaults well under Node\'s (120-s handshake, 60-s headers)', () => {
    expect(CONNECTION_TIMEOUTS.handshakeMs).toBeLessThanOrEqual(10_000);
    expect(CONNECTION_TIMEOUTS.headersMs).toBeLessThanOrEqual(CONNECTION_TIMEOUTS.requestMs);
  });
});

async function rawPost(base: string, path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function handshake(port: number, options: { maxVersion?: 'TLSv1.2' | 'TLSv1.1'; minVersion?: 'TLSv1'; ciphers?: string }): Promise<{ protocol: string | null; cipher: string }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().name });
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** Opens a TCP connection, optionally writes something, then waits until the server closes it. */
function idleConnection(port: number, write?: string): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = netConnect({ host: '127.0.0.1', port }, () => write && socket.write(write));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => resolve('closed by server'));
  });
}
