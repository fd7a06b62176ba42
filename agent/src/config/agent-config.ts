import { parseEnv } from '@meshping/node-kit';
import { z } from 'zod';

export const agentConfigSchema = z.object({
  /** The server's base URL (http(s):// or ws(s)://); the agent connects to its /agent socket. */
  MESHPING_SERVER_URL: z
    .url({ protocol: /^(https?|wss?)$/, message: 'must be an http(s):// or ws(s):// URL' })
    .transform((u) => u.replace(/^http/, 'ws').replace(/\/+$/, '')),
  /** The local trust token the server writes into its data directory (local agent only, for now). */
  MESHPING_AGENT_TOKEN_FILE: z.string().min(1),
  /**
   * SHA-256 fingerprint of the server's TLS certificate (as the server logs it). When set, the agent
   * trusts exactly that certificate, self-signed or not; when unset, the system's CAs decide.
   */
  MESHPING_SERVER_FINGERPRINT: z
    .string()
    .transform((f) => f.replace(/:/g, '').toUpperCase())
    .pipe(z.string().regex(/^[0-9A-F]{64}$/, { message: 'must be a SHA-256 fingerprint (64 hex digits, colons allowed)' }))
    .optional(),
  MESHPING_AGENT_HOSTNAME: z.string().min(1).max(253).optional(),
  MESHPING_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export const AGENT_CONFIG = Symbol('AGENT_CONFIG');

/** Server variables a shared environment (the launcher) may carry. */
const SERVER_KEYS = [
  'MESHPING_DATA_DIR', 'MESHPING_HOST', 'MESHPING_PORT', 'MESHPING_INITIAL_TARGETS', 'MESHPING_WEB_DIR', 'MESHPING_TLS',
  'MESHPING_TLS_CERT', 'MESHPING_TLS_KEY', 'MESHPING_TRUST_PROXY', 'MESHPING_PUBLIC_URL', 'MESHPING_CORS_ORIGINS',
  'MESHPING_SESSION_IDLE_MINUTES', 'MESHPING_SESSION_MAX_MINUTES', 'MESHPING_SMTP_URL', 'MESHPING_MAIL_FROM',
];

export function loadAgentConfig(env: Record<string, string | undefined> = process.env): AgentConfig {
  return parseEnv(agentConfigSchema, env, SERVER_KEYS);
}
