import { Logger, type LoggerService } from '@nestjs/common';

const CONTEXT = 'JobsModule';

/**
 * The module's log lines: one readable line each, always with the `JobsModule` context, through
 * the application's `LoggerService` (Nest's `Logger` by default). Job lines carry the queue, job
 * id and attempt; `JobsService.events$` carries the same facts as objects for metrics.
 */
export class JobsLogger {
  private constructor(private readonly target: LoggerService) {}

  /** `undefined` when the module options say `logger: false`. */
  static from(option: LoggerService | false | undefined): JobsLogger | undefined {
    if (option === false) return undefined;
    // No context on the default Logger: the context argument of each call supplies it.
    return new JobsLogger(option ?? new Logger());
  }

  log(message: string): void {
    this.target.log(message, CONTEXT);
  }

  warn(message: string): void {
    this.target.warn(message, CONTEXT);
  }

  error(message: string, stack?: string): void {
    if (stack) this.target.error(message, stack, CONTEXT);
    else this.target.error(message, CONTEXT);
  }
}
