import * as crypto from 'node:crypto';
import { canonicalPublicKey, generateAgentKeyPair, registrationProof, signChallenge, verifyChallenge, verifyRegistrationProof } from './enrollment-crypto';

const FINGERPRINT = 'AB:CD:EF';

describe('enrollment-crypto: agent keys', () => {
  afterEach(() => jest.restoreAllMocks());

  it('keeps the canonical form of Ed25519 keys, maps base64url variants to it and refuses other keys', () => {
    for (let i = 0; i < 20; i++) {
      const { publicKey } = generateAgentKeyPair();
      expect(canonicalPublicKey(publicKey)).toBe(publicKey);
      // 44 bytes in 59 characters: the last one carries 2 unused bits, so another letter decodes to the same key.
      const last = publicKey.at(-1) as string;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const variant = publicKey.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
      expect(canonicalPublicKey(variant)).toBe(publicKey);
    }
    const p256 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64url');
    expect(canonicalPublicKey(p256)).toBeNull();
    expect(canonicalPublicKey('not a key')).toBeNull();
    expect(canonicalPublicKey('')).toBeNull();
  });

  it('verifies login signatures and registration proofs, and refuses wrong ones', () => {
    const a = generateAgentKeyPair();
    const b = generateAgentKeyPair();
    const signature = signChallenge(a.privateKeyPem, 'nonce-1', FINGERPRINT);
    expect(verifyChallenge(a.publicKey, 'nonce-1', FINGERPRINT, signature)).toBe(true);
    expect(verifyChallenge(a.publicKey, 'nonce-2', FINGERPRINT, signature)).toBe(false);
    expect(verifyChallenge(a.publicKey, 'nonce-1', 'AB:CD:EE', signature)).toBe(false);
    expect(verifyChallenge(b.publicKey, 'nonce-1', FINGERPRINT, signature)).toBe(false);
    expect(verifyChallenge('garbage', 'nonce-1', FINGERPRINT, signature)).toBe(false);
    const proof = registrationProof(a.privateKeyPem, 1000, 'n');
    expect(verifyRegistrationProof(a.publicKey, 1000, 'n', proof)).toBe(true);
    expect(verifyRegistrationProof(b.publicKey, 1000, 'n', proof)).toBe(false);
  });

  it("checks a login without OpenSSL's DER key decoder (0.3-0.6 ms per key, at every agent login)", () => {
    const a = generateAgentKeyPair();
    const signature = signChallenge(a.privateKeyPem, 'nonce', FINGERPRINT);
    const decoded = jest.spyOn(crypto, 'createPublicKey');
    expect(canonicalPublicKey(a.publicKey)).toBe(a.publicKey);
    expect(verifyChallenge(a.publicKey, 'nonce', FINGERPRINT, signature)).toBe(true);
    expect(decoded.mock.calls.filter(([input]) => (input as { format?: string }).format === 'der')).toEqual([]);
  });
});
