import { enrollmentKey, generateAgentKeyPair, newNonce, registrationProof, seal, signChallenge, type AgentKeyPair } from '@meshping/node-kit';
import { decodePassphrase, PROTOCOL_VERSION } from '@meshping/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TOKEN_FILE } from '../infra/local-trust/local-trust.service';
import { TestClient } from './ws-client';

export const agentInfo = (hostname: string) => ({ hostname, version: '0.1.0', addresses: ['192.0.2.77'] });

/** The agent side of enrollment over a real WebSocket, for server tests. */
export class TestAgent {
  constructor(
    private readonly serverUrl: string,
    readonly hostname: string,
    readonly keys: AgentKeyPair = generateAgentKeyPair(),
    private readonly fingerprint = '',
  ) {}

  connect(source = '127.0.0.1'): Promise<TestClient> {
    return TestClient.connect(`${this.serverUrl.replace(/^http/, 'ws')}/agent`, {}, source);
  }

  registerFrame(passphrase: string, ts = Date.now()) {
    const p = decodePassphrase(passphrase);
    if (!p) throw new Error('not a passphrase');
    const nonce = newNonce();
    const proof = registrationProof(this.keys.privateKeyPem, ts, nonce.toString('base64url'));
    const payload = JSON.stringify({ ...agentInfo(this.hostname), publicKey: this.keys.publicKey, proof });
    return { type: 'register', protocol: PROTOCOL_VERSION, ...seal(enrollmentKey(p.secret, p.fingerprint), payload, ts, nonce) };
  }

  /** Registers and resolves with the open link and the agent id, once the server says pending. */
  async register(passphrase: string, source = '127.0.0.1'): Promise<{ link: TestClient; agentId: number }> {
    const link = await this.connect(source);
    link.send(this.registerFrame(passphrase));
    const { agentId } = await link.next((m) => m.type === 'pending');
    return { link, agentId };
  }

  /** Logs in with the key, signing the nonce with the server's certificate fingerprint (from the TestServer). */
  async keyLogin(source = '127.0.0.1', fingerprint = this.fingerprint): Promise<TestClient> {
    const link = await this.connect(source);
    link.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: agentInfo(this.hostname), auth: { kind: 'key', publicKey: this.keys.publicKey } });
    const { nonce } = await link.next((m) => m.type === 'challenge');
    link.send({ type: 'challenge-response', signature: signChallenge(this.keys.privateKeyPem, nonce, fingerprint) });
    return link;
  }
}

/** The server's local agent over a real WebSocket (trusted by the token in the data directory): the open link, its id and the target ids it was given. */
export async function connectLocalAgent(serverUrl: string, dataDir: string, hostname = 'a1'): Promise<{ link: TestClient; agentId: number; targets: number[] }> {
  const link = await TestClient.connect(`${serverUrl.replace('http', 'ws')}/agent`);
  const token = readFileSync(join(dataDir, LOCAL_TOKEN_FILE), 'utf8');
  link.send({ type: 'hello', protocol: PROTOCOL_VERSION, agent: { hostname, version: '0.1.0', addresses: [] }, auth: { kind: 'local-token', token } });
  const { agentId } = await link.next((m) => m.type === 'welcome');
  const targets = (await link.next((m) => m.type === 'targets')).targets.map((t: { id: number }) => t.id);
  return { link, agentId, targets };
}
