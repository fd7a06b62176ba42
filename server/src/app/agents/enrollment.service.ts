import { ConflictException, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { canonicalPublicKey, CLOCK, enrollmentKey, normaliseFingerprint, open, verifyRegistrationProof, type Clock } from '@meshping/node-kit';
import { encodePassphrase, registrationSchema, type Registration } from '@meshping/protocol';
import { randomBytes } from 'node:crypto';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';
import { SettingsTable } from '../../infra/database/settings-table';
import { isSealed, seal, unseal } from '../../infra/secrets/sealed-value';
import { persistentSecret } from '../../infra/secrets/secrets';
import { TLS_INFO, type TlsInfo } from '../../infra/tls/tls-info';
import type { Actor } from '../access/request-context';
import { AuditService } from '../audit/audit.service';

const SECRET_KEY = 'enroll.secret';
/** A registration is accepted this long around its timestamp; its nonce is remembered as long. */
export const REGISTRATION_WINDOW_MS = 5 * 60_000;

export type OpenResult = { ok: true; registration: Registration } | { ok: false; reason: string };

/**
 * The join passphrase's secret (256 bits, in the settings table), its rotation, and the opening of
 * sealed registrations with replay protection.
 *
 * The secret is stored sealed (sealed-value.ts) with a key in the data directory's secrets/, not as
 * a hash: registrations are encrypted with a key derived from it, so the server must have it in
 * clear to open them (a stored derived key would be as good as the secret to a forger), and admins
 * read the passphrase again on the registration screen. A copy of the database alone no longer
 * gives the secret. A plain secret from an older version is sealed at start.
 */
@Injectable()
export class EnrollmentService implements OnModuleInit {
  private readonly logger = new Logger(EnrollmentService.name);
  private readonly seenNonces = new Map<string, number>();
  private readonly sealKey: Buffer;

  constructor(
    private readonly table: SettingsTable,
    @Inject(TLS_INFO) private readonly tls: TlsInfo,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVER_CONFIG) config: ServerConfig,
  ) {
    this.sealKey = Buffer.from(persistentSecret(config.MESHPING_DATA_DIR, 'enrollment.key'), 'base64url');
  }

  async onModuleInit(): Promise<void> {
    const plain = await this.stored();
    if (plain === null || isSealed(plain)) return;
    // Only if still the same plain value: a rotation in between wins.
    await this.table.replaceIf(SECRET_KEY, plain, seal(this.sealKey, SECRET_KEY, plain));
    this.logger.log({ event: 'enrollment.secret-sealed', msg: 'The join passphrase secret is now stored encrypted; the passphrase is unchanged' });
  }

  get available(): boolean {
    return this.tls.fingerprint !== null;
  }

  async passphrase(baseUrl: string): Promise<{ passphrase: string; fingerprint: string }> {
    const fingerprint = this.requireFingerprint();
    return { passphrase: encodePassphrase({ url: baseUrl, fingerprint, secret: await this.secret() }), fingerprint };
  }

  async rotate(actor: Actor, source: string | null): Promise<void> {
    this.requireFingerprint(); // nothing to rotate for when no agent can enrol
    await this.store(randomBytes(32).toString('base64url'));
    await this.audit.record({ actor, action: 'enrollment.passphrase-rotated', source });
  }

  /** Opens a sealed registration: current passphrase only, within the window, never twice. */
  async open(message: { ts: number; nonce: string; sealed: string }): Promise<OpenResult> {
    if (!this.available) return { ok: false, reason: 'enrollment needs TLS (MESHPING_TLS=on)' };
    const key = enrollmentKey(await this.secret(), this.requireFingerprint());
    // From here on no await until the nonce is recorded: two copies of one registration cannot both pass.
    const now = this.clock.now();
    if (Math.abs(now - message.ts) > REGISTRATION_WINDOW_MS) return { ok: false, reason: 'registration timestamp outside the 5-minute window (check the clock)' };
    for (const [nonce, until] of this.seenNonces) if (until < now) this.seenNonces.delete(nonce);
    if (this.seenNonces.has(message.nonce)) return { ok: false, reason: 'replayed registration' };
    const plaintext = open(key, message);
    if (plaintext === null) return { ok: false, reason: 'registration does not decrypt: wrong or rotated passphrase, or altered in transit' };
    this.seenNonces.set(message.nonce, now + 2 * REGISTRATION_WINDOW_MS);
    let data: unknown;
    try {
      data = JSON.parse(plaintext);
    } catch {
      return { ok: false, reason: 'registration is not JSON' };
    }
    const parsed = registrationSchema.safeParse(data);
    if (!parsed.success) return { ok: false, reason: 'registration content invalid' };
    if (canonicalPublicKey(parsed.data.publicKey) !== parsed.data.publicKey) return { ok: false, reason: 'public key is not a canonical Ed25519 key' };
    if (!verifyRegistrationProof(parsed.data.publicKey, message.ts, message.nonce, parsed.data.proof)) {
      return { ok: false, reason: 'registration proof does not match the public key' };
    }
    return { ok: true, registration: parsed.data };
  }

  private requireFingerprint(): string {
    // A 409 the admin can act on, not a 500: the server runs without TLS (e.g. behind a proxy), by configuration.
    if (!this.tls.fingerprint) throw new ConflictException('Enrollment needs TLS (MESHPING_TLS=on): the passphrase carries the certificate fingerprint agents pin.');
    return normaliseFingerprint(this.tls.fingerprint);
  }

  private async secret(): Promise<string> {
    const stored = await this.stored();
    const secret = stored === null ? null : unseal(this.sealKey, SECRET_KEY, stored);
    if (secret !== null) return secret;
    if (stored === null) {
      await this.table.insertIfAbsent(SECRET_KEY, seal(this.sealKey, SECRET_KEY, randomBytes(32).toString('base64url')));
      this.logger.log({ event: 'enrollment.secret-created' });
    } else {
      // secrets/enrollment.key was lost or replaced: the old secret cannot be read, so a new one is made.
      this.logger.warn({ event: 'enrollment.secret-unreadable', msg: 'The stored join passphrase secret cannot be decrypted (secrets/enrollment.key changed?); a new passphrase replaces it' });
      await this.store(randomBytes(32).toString('base64url'));
    }
    const again = unseal(this.sealKey, SECRET_KEY, (await this.stored()) ?? '');
    if (again === null) throw new Error('the join passphrase secret cannot be read back after storing it');
    return again;
  }

  private async stored(): Promise<string | null> {
    return this.table.get(SECRET_KEY);
  }

  private async store(secret: string): Promise<void> {
    await this.table.write([[SECRET_KEY, seal(this.sealKey, SECRET_KEY, secret)]]);
  }
}
