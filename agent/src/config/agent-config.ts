import { ConfigError, parseEnv } from '@meshping/node-kit';
import { rememberedServer } from '../uplink/agent-identity';
import { agentHostnameSchema, decodePassphrase, type JoinPassphrase } from '@meshping/protocol';
import * as z from 'zod/mini';
import { configFilePath, fileAsEnv, FILE_KEYS, readConfigFile, type FileKey } from './config-file';

// zod/mini, like libs/protocol: classic zod's namespace defeats tree-shaking and would add ~0.5 MB
// of code to the agent's bundle (its memory budget is 64 MB).
const fingerprint = z.pipe(
  z.pipe(
    z.string(),
    z.transform((f: string) => f.replace(/:/g, '').toUpperCase()),
  ),
  z.string().check(z.regex(/^[0-9A-F]{64}$/, { message: 'must be a SHA-256 fingerprint (64 hex digits, colons allowed)' })),
);

export const DEFAULT_STATE_DIR = '/var/lib/meshping-agent';

const wholeNumber = (min: number, max: number, unit: string) =>
  z.pipe(
    z.coerce.number({ message: `must be a whole number of ${unit} from ${min} to ${max}` }),
    z.int({ message: `must be a whole number of ${unit} from ${min} to ${max}` }).check(
      z.minimum(min, { message: `must be at least ${min} ${unit}` }),
      z.maximum(max, { message: `must be at most ${max} ${unit}` }),
    ),
  );

const nonEmpty = z.string().check(z.minLength(1));

export const agentConfigSchema = z.object({
  /**
   * The join passphrase an admin copied from the server: it carries the server's URL, its
   * certificate's fingerprint and the enrollment secret. Needed until the server has this agent's key.
   */
  MESHPING_PASSPHRASE: z.optional(
    z.pipe(
      z.string(),
      z.transform((p: string, ctx) => {
        const decoded = decodePassphrase(p.trim());
        if (!decoded) ctx.issues.push({ code: 'custom', input: p, message: 'not a Meshping join passphrase (it starts with "mpj1.")' });
        return decoded as JoinPassphrase;
      }),
    ),
  ),
  /** The server's base URL (http(s):// or ws(s)://); default: the passphrase's. */
  MESHPING_SERVER_URL: z.optional(z.url({ protocol: /^(https?|wss?)$/, message: 'must be an http(s):// or ws(s):// URL' })),
  /**
   * SHA-256 fingerprint of the server's TLS certificate. When set (or carried by the passphrase)
   * the agent trusts exactly that certificate, self-signed or not; otherwise the system's CAs decide.
   */
  MESHPING_SERVER_FINGERPRINT: z.optional(fingerprint),
  /** The local trust token of the server beside this agent (npm start); other agents enroll. */
  MESHPING_AGENT_TOKEN_FILE: z.optional(nonEmpty),
  /** Where the agent keeps its key pair (0700 / 0600). */
  MESHPING_AGENT_STATE_DIR: z._default(nonEmpty, DEFAULT_STATE_DIR),
  /** Sent in hello and copied into target names by full mesh: the display-name rule of libs/protocol. */
  MESHPING_AGENT_HOSTNAME: z.optional(agentHostnameSchema),
  MESHPING_LOG_LEVEL: z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']), 'info'),
  /** How long results the server has not acknowledged are kept (seconds; default 30 minutes). */
  MESHPING_BUFFER_WINDOW_SECONDS: z._default(wholeNumber(10, 7 * 86_400, 'seconds'), 1_800),
  /** Memory for unacknowledged results (MB; about 11-17 bytes per result: 16 MB hold ~1,000,000). */
  MESHPING_BUFFER_MAX_MB: z._default(wholeNumber(1, 4_096, 'megabytes'), 16),
  /**
   * Start this agent's 5 s rounds at a random phase within this many ms (0: on the boundaries).
   * Against thundering herds: many agents then do not probe a target in the same instant.
   */
  MESHPING_PROBE_JITTER_MS: z._default(wholeNumber(0, 4_999, 'milliseconds'), 0),
  /** The agent's config file (default /etc/meshping/agent.json); read by loadAgentSettings. */
  MESHPING_AGENT_CONFIG: z.optional(nonEmpty),
});

/** The settings, with the server's WebSocket base URL and fingerprint taken from the passphrase where not given. */
export type AgentConfig = Omit<z.infer<typeof agentConfigSchema>, 'MESHPING_SERVER_URL'> & { MESHPING_SERVER_URL: string };

/**
 * Where the server is and which certificate to trust: the variables, else the passphrase, else what
 * the agent remembered when it enrolled (so the passphrase can be removed after approval).
 */
function resolve(c: z.infer<typeof agentConfigSchema>): AgentConfig {
  const remembered = c.MESHPING_AGENT_TOKEN_FILE ? null : rememberedServer(c.MESHPING_AGENT_STATE_DIR);
  const url = c.MESHPING_SERVER_URL ?? c.MESHPING_PASSPHRASE?.url ?? remembered?.url;
  if (!url) {
    throw new ConfigError(
      "Invalid configuration:\n  MESHPING_SERVER_URL: no server configured. Run \"meshping-agent init PASSPHRASE\" with the passphrase from the server's agent registration screen, or set MESHPING_PASSPHRASE or MESHPING_SERVER_URL",
    );
  }
  const wsUrl = url.replace(/^http/, 'ws').replace(/\/+$/, '');
  const sameServer = remembered && remembered.url.replace(/^http/, 'ws').replace(/\/+$/, '') === wsUrl;
  return {
    ...c,
    MESHPING_SERVER_URL: wsUrl,
    MESHPING_SERVER_FINGERPRINT: c.MESHPING_SERVER_FINGERPRINT ?? c.MESHPING_PASSPHRASE?.fingerprint ?? (sameServer ? remembered.fingerprint : undefined),
  };
}

/** The resolved config (a provider of AgentModule). */
export const AGENT_CONFIG = Symbol('AGENT_CONFIG');

/** Server variables a shared environment (the launcher) may carry. */
const SERVER_KEYS = [
  'MESHPING_DATA_DIR', 'MESHPING_HOST', 'MESHPING_PORT', 'MESHPING_INITIAL_TARGETS', 'MESHPING_WEB_DIR', 'MESHPING_TLS',
  'MESHPING_TLS_CERT', 'MESHPING_TLS_KEY', 'MESHPING_TRUST_PROXY', 'MESHPING_PUBLIC_URL', 'MESHPING_CORS_ORIGINS',
  'MESHPING_SESSION_IDLE_MINUTES', 'MESHPING_SESSION_MAX_MINUTES', 'MESHPING_SMTP_URL', 'MESHPING_MAIL_FROM',
];

export function loadAgentConfig(env: Record<string, string | undefined> = process.env): AgentConfig {
  return resolve(parseEnv(agentConfigSchema, env, SERVER_KEYS));
}

/**
 * The daemon's settings: the config file (--config, MESHPING_AGENT_CONFIG or /etc/meshping/agent.json)
 * overlaid by MESHPING_* variables. Errors name the file's key, or the variable, that is wrong.
 */
export function loadAgentSettings(
  configFile: string | undefined,
  env: Record<string, string | undefined> = process.env,
): { config: AgentConfig; file: string } {
  const file = configFilePath(configFile, env);
  const fromFile = readConfigFile(file);
  const merged = { ...fileAsEnv(fromFile), ...env };
  try {
    return { config: loadAgentConfig(merged), file };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Name the file's key where the value came from the file.
    let message = err.message;
    for (const [key, variable] of Object.entries(FILE_KEYS)) {
      if (fromFile[key as FileKey] !== undefined && env[variable] === undefined) {
        message = message.split(`${variable}:`).join(`${key} (in ${file}):`);
      }
    }
    throw new ConfigError(message);
  }
}
