import { parseEnv } from '@meshping/node-kit';
import { isIP } from 'node:net';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

export const serverConfigSchema = z.object({
  /** Where the SQLite file, the local agent's trust token (and later the TLS certificate) live. */
  MESHPING_DATA_DIR: z.string().default('data'),
  /** Listen address. Loopback by default: until login lands (issue 3) nothing should face the network. */
  MESHPING_HOST: z
    .string()
    .refine((h) => isIP(h) !== 0 || h === 'localhost', { message: 'must be an IP address or localhost' })
    .default('127.0.0.1'),
  /** Listen port; 0 picks a free one (the server logs the URL it listens on). */
  MESHPING_PORT: port.default(8080),
  MESHPING_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** Targets created on first start when the target list is empty (comma-separated). */
  MESHPING_INITIAL_TARGETS: z
    .string()
    .default('127.0.0.1,::1')
    .transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean))
    .pipe(z.array(z.string().max(253)).max(1000)),
  /** The built web app; by default the folder beside the built server (dist/web/browser). */
  MESHPING_WEB_DIR: z.string().optional(),
});

export type ServerConfig = z.infer<typeof serverConfigSchema>;
export const SERVER_CONFIG = Symbol('SERVER_CONFIG');

/** Variables the agent reads; a shared environment (the launcher) may carry them. */
const AGENT_KEYS = ['MESHPING_SERVER_URL', 'MESHPING_AGENT_TOKEN_FILE'];

export function loadServerConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  return parseEnv(serverConfigSchema, env, AGENT_KEYS);
}
