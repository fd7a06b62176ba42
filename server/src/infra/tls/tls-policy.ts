import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface';
import type { TlsOptions } from 'node:tls';

/**
 * TLS 1.2 suites offered: forward secret (ECDHE) and authenticated encryption (AES-GCM,
 * ChaCha20-Poly1305) only, the Mozilla "intermediate" list. OpenSSL's default also offers CBC
 * suites with SHA-1 MACs, which this drops. TLS 1.3 suites are all AEAD and stay as they are.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
export const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** The HTTPS server's TLS options for a key and certificate. */
export function tlsServerOptions(material: { key: string; cert: string }, handshakeTimeoutMs: number): HttpsOptions {
  // Nest's HttpsOptions type lists a subset; Node's https.createServer reads all of these.
  const options: TlsOptions = {
    key: material.key,
    cert: material.cert,
    minVersion: 'TLSv1.2',
    // Node passes the TLS 1.3 names to SSL_CTX_set_ciphersuites and the rest to SSL_CTX_set_cipher_list.
    ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
    honorCipherOrder: true,
    // A connection that has not finished its handshake by then is closed (Node's default is 120 s).
    handshakeTimeout: handshakeTimeoutMs,
  };
  return options as HttpsOptions;
}
