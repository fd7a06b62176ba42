import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';

export const LOCAL_TOKEN_FILE = 'local-agent.token';

/**
 * The local trust path: the agent started beside the server proves it runs on this host, as a user
 * that may read the data directory, by presenting a token the server keeps there (mode 0600). It is
 * created once and kept, so a second server start (even one that fails, say on a busy port) never
 * pulls it from under a running agent. Every other agent enrolls with the passphrase.
 */
@Injectable()
export class LocalTrustService {
  private readonly token: Buffer;
  readonly tokenFile: string;

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    mkdirSync(config.MESHPING_DATA_DIR, { recursive: true, mode: 0o700 });
    this.tokenFile = join(config.MESHPING_DATA_DIR, LOCAL_TOKEN_FILE);
    if (!existsSync(this.tokenFile)) {
      writeFileSync(`${this.tokenFile}.tmp`, randomBytes(32).toString('base64url'), { mode: 0o600 });
      renameSync(`${this.tokenFile}.tmp`, this.tokenFile);
    }
    this.token = Buffer.from(readFileSync(this.tokenFile, 'utf8').trim());
    // `mode` applies only to a new file: an existing one keeps its permissions unless set here.
    chmodSync(this.tokenFile, 0o600);
  }

  verify(presented: string): boolean {
    const candidate = Buffer.from(presented);
    return candidate.length === this.token.length && timingSafeEqual(candidate, this.token);
  }
}
