import { parseEnv } from '@meshping/node-kit';
import { targetAddressSchema } from '@meshping/protocol';
import { isIP } from 'node:net';
import { z } from 'zod';

const port = z.coerce.number({ message: 'must be a port number (0-65535)' }).int().min(0).max(65535);
const bool = z.enum(['true', 'false', '1', '0', 'on', 'off']).transform((v) => ['true', '1', 'on'].includes(v));
const list = z.string().transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean));
const minutes = z.coerce.number().int().min(1).max(60 * 24 * 30);

export const serverConfigSchema = z.object({
  /** Where the SQLite file, the TLS certificate, secrets and the local agent's trust token live. */
  MESHPING_DATA_DIR: z.string().default('data'),
  /** Listen address. */
  MESHPING_HOST: z
    .string()
    .refine((h) => isIP(h) !== 0 || h === 'localhost', { message: 'must be an IP address or localhost' })
    .default('127.0.0.1'),
  /** Listen port; 0 picks a free one (the server logs the URL it listens on). */
  MESHPING_PORT: port.default(8443),
  /** HTTPS/WSS unless explicitly off (localhost development, or TLS terminated by an ingress). */
  MESHPING_TLS: z.enum(['on', 'off']).default('on'),
  /** PEM certificate and key; when both are unset a self-signed pair is generated in the data directory. */
  MESHPING_TLS_CERT: z.string().optional(),
  MESHPING_TLS_KEY: z.string().optional(),
  /** Trust X-Forwarded-* from a reverse proxy (its hop count, or true for any). */
  MESHPING_TRUST_PROXY: z.union([z.coerce.number().int().min(1).max(10), bool]).default(false),
  /** The URL users reach the server at (for reset links); default: the listening URL. */
  MESHPING_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Browser origins other than the server's own that may call the API and open /live. */
  MESHPING_CORS_ORIGINS: list.pipe(z.array(z.url({ protocol: /^https?$/ }))).default([]),
  /** A session ends after this many minutes without a request ... */
  MESHPING_SESSION_IDLE_MINUTES: minutes.default(30),
  /** ... and at the latest this many minutes after login. */
  MESHPING_SESSION_MAX_MINUTES: minutes.default(12 * 60),
  /** SMTP server for password-reset mails, e.g. smtp://user:pass@mail.example:587; unset: links are shown to the admin. */
  MESHPING_SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MESHPING_MAIL_FROM: z.email().default('meshping@localhost'),
  /** An agent silent this long (no frame, no pong) is disconnected and shown offline; pinged every half of it. */
  MESHPING_AGENT_OFFLINE_SECONDS: z.coerce.number().int().min(2).max(3600).default(60),
  /** Samples and gaps are kept this many hours (default; admins change it at run time in the settings). */
  MESHPING_RETENTION_HOURS: z.coerce.number({ message: 'must be a number of hours (1-8760)' }).int().min(1).max(8760).default(24),
  MESHPING_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** Targets created on first start when the target list is empty (comma-separated). */
  MESHPING_INITIAL_TARGETS: list
    .pipe(
      z
        .array(z.string().refine((a) => targetAddressSchema.safeParse(a).success, { message: 'not an IP address or hostname' }))
        .max(1000),
    )
    .transform((targets) => [...new Set(targets)])
    .default(['127.0.0.1', '::1']),
  /**
   * /metrics also has series per (agent, target) pair: 3 a pair, for at most 10,000 pairs (PAIR_SERIES_CAP);
   * the pairs over it are counted in meshping_pair_series_refused and logged once (docs/operations.md).
   */
  MESHPING_METRICS_PAIR_SERIES: bool.default(false),
  /** The built web app; by default the folder beside the built server (dist/web/browser). */
  MESHPING_WEB_DIR: z.string().optional(),
}).refine((c) => !!c.MESHPING_TLS_CERT === !!c.MESHPING_TLS_KEY, {
  message: 'set both MESHPING_TLS_CERT and MESHPING_TLS_KEY, or neither',
  path: ['MESHPING_TLS_CERT'],
});

export type ServerConfig = z.infer<typeof serverConfigSchema>;
export const SERVER_CONFIG = Symbol('SERVER_CONFIG');

/** Variables the agent reads; a shared environment (the launcher) may carry them. */
const AGENT_KEYS = ['MESHPING_SERVER_URL', 'MESHPING_AGENT_TOKEN_FILE', 'MESHPING_SERVER_FINGERPRINT', 'MESHPING_AGENT_HOSTNAME'];

export function loadServerConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  return parseEnv(serverConfigSchema, env, AGENT_KEYS);
}
