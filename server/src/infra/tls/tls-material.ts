import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { ServerConfig } from '../config/server-config';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** SHA-256 fingerprint of the certificate, colon-separated hex (what agents pin). */
  fingerprint256: string;
  selfSigned: boolean;
}

const CERT_FILE = 'tls/server.crt';
const KEY_FILE = 'tls/server.key';
const VALID_YEARS = 5;

/**
 * The server's certificate: the configured one, or a self-signed one generated on first start and
 * kept in the data directory (so its fingerprint, which agents pin, stays the same).
 */
export async function loadTlsMaterial(config: ServerConfig): Promise<TlsMaterial> {
  if (config.MESHPING_TLS_CERT && config.MESHPING_TLS_KEY) {
    const cert = readFileSync(config.MESHPING_TLS_CERT, 'utf8');
    return { cert, key: readFileSync(config.MESHPING_TLS_KEY, 'utf8'), fingerprint256: fingerprint(cert), selfSigned: false };
  }
  const certPath = join(config.MESHPING_DATA_DIR, CERT_FILE);
  const keyPath = join(config.MESHPING_DATA_DIR, KEY_FILE);
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(join(config.MESHPING_DATA_DIR, 'tls'), { recursive: true, mode: 0o700 });
    const pems = await selfSigned(config.MESHPING_HOST);
    writeFileSync(keyPath, pems.private, { mode: 0o600 });
    writeFileSync(certPath, pems.cert, { mode: 0o644 });
  }
  const cert = readFileSync(certPath, 'utf8');
  return { cert, key: readFileSync(keyPath, 'utf8'), fingerprint256: fingerprint(cert), selfSigned: true };
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

function selfSigned(host: string) {
  const names = new Set(['localhost', hostname()]);
  const ips = new Set(['127.0.0.1', '::1']);
  if (host !== '0.0.0.0' && host !== '::' && host !== 'localhost') ips.add(host);
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + VALID_YEARS);
  return generate([{ name: 'commonName', value: hostname() }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...[...names].map((value) => ({ type: 2 as const, value })), ...[...ips].map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
}
