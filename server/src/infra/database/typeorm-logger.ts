import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerInterface } from 'typeorm';

/** Query text kept in a log line at most (an INSERT of 400 chunk rows is long; the start says which). */
const MAX_QUERY_CHARS = 300;

/**
 * TypeORM's own messages as structured JSON lines through the app's logger. TypeORM's default
 * logger printed a failed query as plain text ("query failed: UPDATE ...") beside the JSON lines.
 * Parameters are never logged: they hold password hashes, tokens and session data.
 */
export class TypeOrmLogger implements TypeOrmLoggerInterface {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {
    // Every query: far too many lines even at debug level.
  }

  logQueryError(error: string | Error, query: string): void {
    const err = typeof error === 'string' ? { message: error } : { message: error.message, code: (error as { code?: string }).code };
    this.logger.error({ event: 'database.query-failed', query: query.slice(0, MAX_QUERY_CHARS), err });
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ event: 'database.query-slow', ms: time, query: query.slice(0, MAX_QUERY_CHARS) });
  }

  logSchemaBuild(): void {
    // Migrations report themselves in this app's own lines; TypeORM's schema chatter is left out.
  }

  logMigration(message: string): void {
    this.logger.log({ event: 'database.migration', message });
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const line = { event: 'database.message', message: typeof message === 'string' ? message : JSON.stringify(message) };
    if (level === 'warn') this.logger.warn(line);
    else this.logger.log(line);
  }
}
