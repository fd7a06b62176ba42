import { connect } from 'node:net';

export interface ChunkedAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body's pieces as the server framed them (HTTP/1.1 chunked transfer coding), in order. */
  chunks: Buffer[];
  body: string;
}

/**
 * A GET over a raw TCP socket (plain HTTP only) that keeps the chunk boundaries an HTTP client
 * library hides: they show whether the server streamed a body in pieces or wrote it at once.
 */
export function chunkedGet(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<ChunkedAnswer> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    socket.on('data', (b) => received.push(b));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        resolve(parse(Buffer.concat(received)));
      } catch (err) {
        reject(err);
      }
    });
    const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(lines.join('\r\n') + '\r\n\r\n');
  });
}

function parse(raw: Buffer): ChunkedAnswer {
  const headEnd = raw.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of headerLines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  const status = Number(statusLine.split(' ')[1]);
  let rest = raw.subarray(headEnd + 4);
  const chunks: Buffer[] = [];
  if (headers['transfer-encoding'] !== 'chunked') return { status, headers, chunks: [rest], body: rest.toString() };
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) throw new Error('the chunked body ended without its last chunk (a cut-off transfer)');
    const size = parseInt(rest.subarray(0, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunk size');
    if (size === 0) break;
    chunks.push(rest.subarray(eol + 2, eol + 2 + size));
    rest = rest.subarray(eol + 2 + size + 2);
  }
  return { status, headers, chunks, body: Buffer.concat(chunks).toString() };
}
