import * as z from 'zod/mini';

/**
 * The join passphrase: one copyable string that carries the server's URL, the SHA-256 fingerprint
 * of its TLS certificate and the enrollment secret. Format: "mpj1." + base64url(JSON).
 */
export interface JoinPassphrase {
  url: string;
  fingerprint: string;
  secret: string;
}

const PREFIX = 'mpj1.';
const schema = z.object({
  url: z.string().check(z.regex(/^(https|wss):\/\/\S+$/)),
  fingerprint: z.string().check(z.regex(/^[0-9A-F]{64}$/)),
  secret: z.string().check(z.regex(/^[A-Za-z0-9_-]{22,128}$/)),
});

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

export function encodePassphrase(p: JoinPassphrase): string {
  return PREFIX + toBase64Url(JSON.stringify({ url: p.url, fingerprint: p.fingerprint, secret: p.secret }));
}

/** The passphrase's parts, or null when it is not one (a clear error is the caller's to give). */
export function decodePassphrase(text: string): JoinPassphrase | null {
  if (!text.startsWith(PREFIX)) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(fromBase64Url(text.slice(PREFIX.length).trim())));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
