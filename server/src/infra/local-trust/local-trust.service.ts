import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';

export const LOCAL_TOKEN_FILE = 'local-agent.token';

/**
 * The local trust path: the agent started beside the server proves it runs on this host, as a user
 * that may read the data directory, by presenting a token the server writes there (mode 0600) at
 * every start. Enrollment by passphrase and approval (issue 4) is the path for every other agent.
 */
@Injectable()
export class LocalTrustService {
  private readonly token: Buffer;
  readonly tokenFile: string;

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    this.token = Buffer.from(randomBytes(32).toString('base64url'));
    mkdirSync(config.MESHPING_DATA_DIR, { recursive: true, mode: 0o700 });
    this.tokenFile = join(config.MESHPING_DATA_DIR, LOCAL_TOKEN_FILE);
    writeFileSync(this.tokenFile, this.token, { mode: 0o600 });
    // `mode` applies only to a new file: an existing one keeps its permissions unless set here.
    chmodSync(this.tokenFile, 0o600);
  }

  verify(presented: string): boolean {
    const candidate = Buffer.from(presented);
    return candidate.length === this.token.length && timingSafeEqual(candidate, this.token);
  }
}
