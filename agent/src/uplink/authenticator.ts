import { enrollmentKey, newNonce, registrationProof, seal, signChallenge, type Clock } from '@meshping/node-kit';
import { PROTOCOL_VERSION, type AgentHello, type AgentToServer } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import type { AgentConfig } from '../config/agent-config';
import { AgentIdentity } from './agent-identity';

/** What the uplink does next after an authentication step. */
export type AuthOutcome = { send: AgentToServer } | { fatal: string } | { reconnect: true } | null;

/**
 * How this agent proves who it is: the local trust token (the server's own agent), its key (an
 * enrolled agent), or a sealed registration with the join passphrase (a new agent).
 */
export class Authenticator {
  private identity: AgentIdentity | null = null;

  constructor(
    private readonly config: AgentConfig,
    private readonly clock: Clock,
  ) {}

  /** The first frame on a new connection. */
  first(agent: AgentHello['agent']): AuthOutcome {
    if (this.config.MESHPING_AGENT_TOKEN_FILE) {
      try {
        const token = readFileSync(this.config.MESHPING_AGENT_TOKEN_FILE, 'utf8').trim();
        return { send: { type: 'hello', protocol: PROTOCOL_VERSION, agent, auth: { kind: 'local-token', token } } };
      } catch (err) {
        return { fatal: `cannot read MESHPING_AGENT_TOKEN_FILE: ${(err as Error).message}` };
      }
    }
    const identity = this.loadIdentity();
    if (identity.registered) {
      return { send: { type: 'hello', protocol: PROTOCOL_VERSION, agent, auth: { kind: 'key', publicKey: identity.keys.publicKey } } };
    }
    const passphrase = this.config.MESHPING_PASSPHRASE;
    if (!passphrase) return { fatal: 'this agent is not enrolled: set MESHPING_PASSPHRASE to the passphrase from the server\'s agent registration screen' };
    const ts = this.clock.now();
    const nonce = newNonce();
    const proof = registrationProof(identity.keys.privateKeyPem, ts, nonce.toString('base64url'));
    const payload = JSON.stringify({ ...agent, publicKey: identity.keys.publicKey, proof });
    const sealed = seal(enrollmentKey(passphrase.secret, passphrase.fingerprint), payload, ts, nonce);
    return { send: { type: 'register', protocol: PROTOCOL_VERSION, ...sealed } };
  }

  /** Signs the nonce together with the fingerprint of the certificate this connection presented. */
  challenge(nonce: string, fingerprint: string): AuthOutcome {
    return { send: { type: 'challenge-response', signature: signChallenge(this.loadIdentity().keys.privateKeyPem, nonce, fingerprint) } };
  }

  /** The server has our key on record (pending, on hold or approved): log in with it from now on. */
  known(): void {
    if (this.config.MESHPING_AGENT_TOKEN_FILE) return;
    const identity = this.loadIdentity();
    identity.registered = true;
    // Remember the server and its certificate: the passphrase is not needed any more.
    const fingerprint = this.config.MESHPING_SERVER_FINGERPRINT;
    if (fingerprint) identity.remember({ url: this.config.MESHPING_SERVER_URL, fingerprint });
  }

  /** Authentication errors from the server: what to do about each. */
  error(code: string, message: string): AuthOutcome {
    switch (code) {
      case 'unknown-key':
        // The server forgot us (deleted): register again if we can.
        if (!this.config.MESHPING_PASSPHRASE) return { fatal: `the server does not know this agent's key (${message}); set MESHPING_PASSPHRASE to enroll again` };
        this.loadIdentity().registered = false;
        return { reconnect: true };
      case 'already-registered':
        this.loadIdentity().registered = true;
        return { reconnect: true };
      case 'registration-refused':
        return { fatal: `the server refused the registration: ${message}. Ask its admin for the current passphrase.` };
      case 'auth-refused':
        return { fatal: `the server refused the local trust token (${message}): MESHPING_AGENT_TOKEN_FILE must be the token in that server's data directory; agents on other hosts enroll with MESHPING_PASSPHRASE` };
      case 'blacklisted':
        return { fatal: 'an admin rejected this agent (blacklisted); it will not be accepted again with this key' };
      default:
        return null;
    }
  }

  private loadIdentity(): AgentIdentity {
    this.identity ??= new AgentIdentity(this.config.MESHPING_AGENT_STATE_DIR);
    return this.identity;
  }
}
