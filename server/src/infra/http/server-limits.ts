import type { Server } from 'node:http';

/** How long the server waits for a client at each stage before it closes the connection. */
export interface ConnectionTimeouts {
  /** TLS handshake, from TCP accept (HTTPS only). */
  handshakeMs: number;
  /** The request line and headers, from the first byte of a request (or of the connection). */
  headersMs: number;
  /** The whole request including its body. */
  requestMs: number;
  /** An idle keep-alive connection between requests. */
  keepAliveMs: number;
  /** How often the server looks for connections past headersMs / requestMs. */
  checkEveryMs: number;
}

export const CONNECTION_TIMEOUTS: ConnectionTimeouts = {
  handshakeMs: 10_000,
  headersMs: 15_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  checkEveryMs: 2_000,
};

/**
 * Node's defaults let a connection that never sends a byte stay for minutes (a 120-s TLS handshake
 * timeout, headers checked every 30 s against 60 s). These are set before listen(), when Node reads
 * them; upgraded WebSocket connections leave the HTTP parser and are bounded by their own heartbeats.
 */
export function applyConnectionTimeouts(server: Server, t: ConnectionTimeouts): void {
  server.headersTimeout = t.headersMs;
  server.requestTimeout = t.requestMs;
  server.keepAliveTimeout = t.keepAliveMs;
  // Bounds the requests one keep-alive connection may carry; the client then opens a new one.
  server.maxRequestsPerSocket = 10_000;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = t.checkEveryMs;
}
