import { createParamDecorator, type ExecutionContext, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { hostname, networkInterfaces } from 'node:os';

export interface PublicUrlConfig {
  MESHPING_PUBLIC_URL?: string;
  MESHPING_HOST: string;
  MESHPING_CORS_ORIGINS: string[];
}

interface Incoming {
  protocol: string;
  /** The Host header as sent (host[:port]). */
  host: string | undefined;
  /** The local port the request arrived on. */
  localPort: number | undefined;
}

/**
 * The base URL put into links that leave the server (password-reset links, the join passphrase).
 * MESHPING_PUBLIC_URL when set. Otherwise the request's Host header only when it names this machine
 * (localhost, its host name, one of its interface addresses, the listen address) on the port the
 * request came in on, or is one of MESHPING_CORS_ORIGINS: a forged Host (evil.example) must not
 * end up in a link an admin passes on or a mail a user clicks. Anything else gets the listen URL
 * (the host name of the machine when listening on all addresses), and a warning to set the variable.
 */
export class PublicUrl {
  private readonly logger = new Logger(PublicUrl.name);
  private warned = false;
  private readonly corsOrigins: Set<string>;

  constructor(private readonly config: PublicUrlConfig) {
    this.corsOrigins = new Set(config.MESHPING_CORS_ORIGINS.map((o) => new URL(o).origin));
  }

  baseUrl(req: Incoming): string {
    if (this.config.MESHPING_PUBLIC_URL) return this.config.MESHPING_PUBLIC_URL.replace(/\/+$/, '');
    const fromHost = this.trustedOrigin(req);
    if (fromHost) return fromHost;
    if (!this.warned) {
      this.warned = true;
      this.logger.warn({ event: 'public-url.untrusted-host', host: req.host ?? null, msg: 'A link was built from the listen address because the request named an unknown host; set MESHPING_PUBLIC_URL to the URL users reach the server at' });
    }
    const listen = ['0.0.0.0', '::'].includes(this.config.MESHPING_HOST) ? hostname().toLowerCase() : this.config.MESHPING_HOST;
    return `${req.protocol}://${bracket(listen)}${req.localPort ? `:${req.localPort}` : ''}`;
  }

  private trustedOrigin(req: Incoming): string | null {
    if (!req.host) return null;
    let url: URL;
    try {
      url = new URL(`${req.protocol}://${req.host}`);
    } catch {
      return null;
    }
    // Only a plain host[:port], nothing URL parsing would reinterpret (user info, paths, odd spellings).
    if (url.host !== req.host.toLowerCase() || url.pathname !== '/' || url.username || url.search || url.hash) return null;
    if (this.corsOrigins.has(url.origin)) return url.origin;
    const port = Number(url.port || (req.protocol === 'https' ? 443 : 80));
    if (port !== req.localPort) return null;
    return this.localNames().has(url.hostname.replace(/\.$/, '')) ? url.origin : null;
  }

  /** Names and addresses of this machine, as URL hostnames (IPv6 in brackets), lower case. */
  private localNames(): Set<string> {
    const names = new Set(['localhost', hostname().toLowerCase()]);
    if (!['0.0.0.0', '::'].includes(this.config.MESHPING_HOST)) names.add(bracket(this.config.MESHPING_HOST));
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (!a.address.includes('%')) names.add(new URL(`http://${bracket(a.address)}`).hostname);
    }
    return names;
  }
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * `@PublicBaseUrl() baseUrl: string` in a controller method: the base URL for links this request
 * makes (bootstrap puts the app's PublicUrl into app.locals).
 */
export const PublicBaseUrl = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<Request>();
  const publicUrl = req.app.locals['publicUrl'] as PublicUrl;
  return publicUrl.baseUrl({ protocol: req.protocol, host: req.get('host'), localPort: req.socket.localPort });
});
