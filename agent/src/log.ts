import { createLogger } from '@meshping/node-kit';
import type { Logger as Pino } from 'pino';

/**
 * The agent's structured log (pino JSON lines, CONVENTIONS.md 13): one logger for the process,
 * a context per component. The agent runs without Nest (see docs/architecture.md: a Nest context
 * alone costs more memory than the agent's whole budget), so this replaces Nest's Logger.
 */
export interface Log {
  log(event: object): void;
  warn(event: object): void;
  error(event: object): void;
  debug(event: object): void;
}

let root: Pino = createLogger('meshping-agent', process.env['JEST_WORKER_ID'] ? 'error' : 'info');

/** Installs the process's logger (the daemon, once its level is known). */
export function setRootLogger(logger: Pino): void {
  root = logger;
}

export function rootLogger(): Pino {
  return root;
}

/** A component's log; resolves the root logger at each call, so a later setRootLogger applies. */
export function logFor(context: string): Log {
  return {
    log: (event) => root.info({ context, ...event }),
    warn: (event) => root.warn({ context, ...event }),
    error: (event) => root.error({ context, ...event }),
    debug: (event) => root.debug({ context, ...event }),
  };
}
