import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One request exactly as the fuzzer built it: the body is raw bytes, every header is explicit. */
export interface FuzzRequest {
  method: string;
  /** Path and query, already encoded (e.g. /api/targets/abc?x=%00). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What was done to it, for the report (e.g. "body.retentionHours = null"). */
  label: string;
}

export interface FuzzAnswer {
  status: number;
  contentType: string;
  /** The body as text, cut at 500 characters for reports. */
  text: string;
  json: unknown;
  setCookie: string[];
  ms: number;
}

/** Sends one request; rejects with a `hang` error if no complete answer arrives within `timeoutMs`. */
export function send(baseUrl: string, req: FuzzRequest, timeoutMs: number, localAddress = '127.0.0.1'): Promise<FuzzAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) };
    const url = new URL(req.path, baseUrl);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // The server's certificate is self-signed (generated in its data directory).
    const r = request(url, { method: req.method, headers, localAddress, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString();
        let json: unknown = undefined;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON: judged by the caller */
        }
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: text.slice(0, 500), json, setCookie: res.headers['set-cookie'] ?? [], ms: performance.now() - started });
      });
    });
    const timer = setTimeout(() => {
      r.destroy();
      reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { hang: true }));
    }, timeoutMs);
    r.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (req.body) r.write(req.body);
    r.end();
  });
}
