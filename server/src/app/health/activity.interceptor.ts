import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { finalize, type Observable } from 'rxjs';
import { EventLoopWatchdog } from './event-loop-watchdog';

/** Marks each request's route (its pattern, no ids) as the main thread's activity for the watchdog. */
@Injectable()
export class ActivityInterceptor implements NestInterceptor {
  constructor(private readonly watchdog: EventLoopWatchdog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = `${context.getClass().name}.${context.getHandler().name}`;
    let label = handler;
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      label = `${req.method} ${(req.route as { path?: string } | undefined)?.path ?? req.path} (${handler})`;
    }
    const ticket = this.watchdog.mark(label);
    return next.handle().pipe(finalize(() => this.watchdog.done(ticket)));
  }
}
