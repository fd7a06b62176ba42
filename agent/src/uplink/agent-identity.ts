import { generateAgentKeyPair, type AgentKeyPair } from '@meshping/node-kit';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'identity.json';

export interface ServerPin {
  url: string;
  fingerprint: string;
}

export interface IdentityState extends AgentKeyPair {
  /** The server accepted a registration of this key (it is pending, approved or on hold there). */
  registered: boolean;
  /** The server it enrolled with and that server's certificate: trusted from then on. */
  server?: ServerPin;
}

/** The server an agent enrolled with, read from its state directory without creating anything. */
export function rememberedServer(stateDir: string): ServerPin | null {
  try {
    return (JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as IdentityState).server ?? null;
  } catch {
    return null;
  }
}


/**
 * The agent's Ed25519 key pair, generated once and kept in its state directory (file 0600,
 * directory 0700), with whether a server has it on record.
 */
export class AgentIdentity {
  private state: IdentityState;
  private readonly file: string;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = join(stateDir, FILE);
    if (existsSync(this.file)) {
      this.state = JSON.parse(readFileSync(this.file, 'utf8')) as IdentityState;
      chmodSync(this.file, 0o600);
    } else {
      this.state = { ...generateAgentKeyPair(), registered: false };
      this.save();
    }
  }

  get keys(): AgentKeyPair {
    return { publicKey: this.state.publicKey, privateKeyPem: this.state.privateKeyPem };
  }

  get registered(): boolean {
    return this.state.registered;
  }

  set registered(value: boolean) {
    if (value === this.state.registered) return;
    this.state.registered = value;
    this.save();
  }

  remember(server: ServerPin): void {
    if (this.state.server?.url === server.url && this.state.server.fingerprint === server.fingerprint) return;
    this.state.server = server;
    this.save();
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
