import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';

/*
 * The cryptography of agent enrollment (docs/protocol.md, "Enrollment"):
 * - the join passphrase's secret (>= 128 bits) and the server certificate's fingerprint derive an
 *   AES-256-GCM key (HKDF-SHA256), so only holders of the current passphrase can register, and a
 *   registration cannot be replayed against a server with another certificate;
 * - registrations carry a timestamp and a random nonce in the authenticated data;
 * - each agent has an Ed25519 key pair; later connections prove the key by signing a challenge.
 */

const KEY_INFO = 'meshping enrollment v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function enrollmentKey(secret: string, fingerprint: string): Buffer {
  const salt = Buffer.from(normaliseFingerprint(fingerprint), 'hex');
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'base64url'), salt, KEY_INFO, 32));
}

export function normaliseFingerprint(f: string): string {
  return f.replace(/:/g, '').toUpperCase();
}

export function registrationAad(ts: number, nonce: string): Buffer {
  return Buffer.from(`meshping-register|${ts}|${nonce}`);
}

export interface Sealed {
  ts: number;
  nonce: string;
  sealed: string;
}

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

export function seal(key: Buffer, plaintext: string, ts: number, nonce: Buffer = newNonce()): Sealed {
  const nonceText = nonce.toString('base64url');
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(registrationAad(ts, nonceText));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { ts, nonce: nonceText, sealed: body.toString('base64url') };
}

/** The plaintext, or null when the message was not sealed with this key (or was altered). */
export function open(key: Buffer, message: Sealed): string | null {
  try {
    const nonce = Buffer.from(message.nonce, 'base64url');
    const body = Buffer.from(message.sealed, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length <= TAG_BYTES) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(registrationAad(message.ts, message.nonce));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export interface AgentKeyPair {
  /** Ed25519 public key, SPKI DER, base64url: what the server stores. */
  publicKey: string;
  /** PKCS#8 PEM: stays in the agent's state file (0600). */
  privateKeyPem: string;
}

export function generateAgentKeyPair(): AgentKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * An Ed25519 public key in SPKI DER is this 12-byte header and the 32-byte key (RFC 8410), so the
 * canonical form is checked and the key imported without OpenSSL's DER decoder, which cost ~0.3 ms
 * per key (and ~0.6 ms with the re-export) on every agent login: 1,000 agents log in at once after
 * a restart. Any other encoding still takes the decoder.
 */
const ED25519_SPKI_HEADER = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_SPKI_BYTES = ED25519_SPKI_HEADER.length + 32;

/** The raw 32-byte key when `der` is the plain Ed25519 SPKI form, else null. */
function rawEd25519(der: Buffer): Buffer | null {
  return der.length === ED25519_SPKI_BYTES && der.subarray(0, ED25519_SPKI_HEADER.length).equals(ED25519_SPKI_HEADER) ? der.subarray(ED25519_SPKI_HEADER.length) : null;
}

/** An Ed25519 public key object from SPKI DER (base64url): raw keys through JWK (cheap), anything else decoded. */
function ed25519PublicKey(publicKey: string): KeyObject | null {
  const der = Buffer.from(publicKey, 'base64url');
  const raw = rawEd25519(der);
  const key = raw
    ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' })
    : createPublicKey({ key: der, format: 'der', type: 'spki' });
  return key.asymmetricKeyType === 'ed25519' ? key : null;
}

/**
 * The one text form of a public key: SPKI DER re-encoded, so that base64url variants of the same key
 * (unused bits) cannot pass for different keys. Null when it is not an Ed25519 public key.
 */
export function canonicalPublicKey(publicKey: string): string | null {
  try {
    const der = Buffer.from(publicKey, 'base64url');
    // The plain form re-encodes to itself: what OpenSSL's export would give.
    if (rawEd25519(der)) return der.toString('base64url');
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return null;
    return key.export({ type: 'spki', format: 'der' }).toString('base64url');
  } catch {
    return null;
  }
}

/** A registration proves the agent holds the private key of the public key it registers. */
function proofText(ts: number, nonce: string): Buffer {
  return Buffer.from(`meshping-register-proof|${ts}|${nonce}`);
}

export function registrationProof(privateKeyPem: string, ts: number, nonce: string): string {
  return sign(null, proofText(ts, nonce), createPrivateKey(privateKeyPem)).toString('base64url');
}

export function verifyRegistrationProof(publicKey: string, ts: number, nonce: string, proof: string): boolean {
  try {
    const key = ed25519PublicKey(publicKey);
    return key !== null && verify(null, proofText(ts, nonce), key, Buffer.from(proof, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * What an agent signs to log in: the server's nonce and the fingerprint of the certificate the agent
 * saw, so a signature cannot be relayed from a look-alike server to the real one.
 */
export function challengeText(nonce: string, fingerprint: string): Buffer {
  return Buffer.from(`meshping-auth|${normaliseFingerprint(fingerprint)}|${nonce}`);
}

export function signChallenge(privateKeyPem: string, nonce: string, fingerprint: string): string {
  return sign(null, challengeText(nonce, fingerprint), createPrivateKey(privateKeyPem)).toString('base64url');
}

export function verifyChallenge(publicKey: string, nonce: string, fingerprint: string, signature: string): boolean {
  try {
    const key = ed25519PublicKey(publicKey);
    return key !== null && verify(null, challengeText(nonce, fingerprint), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
