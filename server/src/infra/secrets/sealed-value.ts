import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'sealed1:';

/**
 * A value encrypted at rest (AES-256-GCM, a fresh 96-bit IV each time, the value's name as
 * associated data so a sealed value cannot be moved to another name). For secrets the server must
 * read back in clear, where a hash would not do: a copy of the database alone does not reveal them;
 * the key lives in the data directory's secrets/ (0600), outside the database and its backups.
 */
export function seal(key: Buffer, name: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(name));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${iv.toString('base64url')}.${body.toString('base64url')}`;
}

/** The plaintext, or null when the value was sealed with another key, under another name, or altered. */
export function unseal(key: Buffer, name: string, stored: string): string | null {
  if (!isSealed(stored)) return null;
  const [ivText, bodyText] = stored.slice(PREFIX.length).split('.');
  const iv = Buffer.from(ivText ?? '', 'base64url');
  const body = Buffer.from(bodyText ?? '', 'base64url');
  if (iv.length !== 12 || body.length < 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(name));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}
