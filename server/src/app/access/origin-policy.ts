import { Inject, Injectable } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../../infra/config/server-config';

/**
 * Which web pages may act on this server: its own origin, as the client reached it, or one named
 * in MESHPING_CORS_ORIGINS. The one rule for unsafe HTTP requests (AccessGuard) and browser
 * WebSocket upgrades (SocketAuth); they differ only in a request without Origin.
 */
@Injectable()
export class OriginPolicy {
  private readonly allowed: Set<string>;

  constructor(@Inject(SERVER_CONFIG) config: ServerConfig) {
    this.allowed = new Set(config.MESHPING_CORS_ORIGINS.map((o) => new URL(o).origin));
  }

  /** A state-changing HTTP request: without Origin it is not a browser's cross-site request (browsers send Origin on those). */
  allowsRequest(origin: string | undefined, own: string): boolean {
    return !origin || this.allows(origin, own);
  }

  /** A WebSocket upgrade: browsers always send Origin on it, so one without is refused. */
  allowsUpgrade(origin: string | undefined, own: string): boolean {
    return !!origin && this.allows(origin, own);
  }

  private allows(origin: string, own: string): boolean {
    return origin === own || this.allowed.has(origin);
  }
}
