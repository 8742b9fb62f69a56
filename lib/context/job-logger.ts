import { Logger } from '@nestjs/common';
import { jobContextStorage } from './job-context.storage.js';
import { activeTraceIds } from './active-trace.js';

/**
 * A Nest `Logger` whose lines say which job they belong to. Inside a handler call, every string
 * message is prefixed with the queue, job id and attempt (`[welcome-email 7c1e… #2] sent`; batch
 * calls list the batch size instead); outside one, it logs exactly like `Logger`. It writes through
 * the application's logger, like `Logger` does.
 *
 * With `JobsModule`'s `openTelemetry` on, a line logged while a span is active also carries its ids,
 * in the form log backends match to link a line to its trace:
 * `[welcome-email 7c1e… #2 trace_id=4bf9… span_id=00f0…] sent` (outside a job:
 * `[trace_id=4bf9… span_id=00f0…] sent`).
 *
 * @example
 * @Injectable()
 * export class Mailer {
 *   private readonly logger = new JobLogger(Mailer.name);
 *   async deliver(to: string) {
 *     this.logger.log(`delivering to ${to}`); // [welcome-email 7c1e… #1] delivering to a@b.c
 *   }
 * }
 */
export class JobLogger extends Logger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    super.log(withJob(message), ...optionalParams);
  }

  override error(message: unknown, ...optionalParams: unknown[]): void {
    super.error(withJob(message), ...optionalParams);
  }

  override warn(message: unknown, ...optionalParams: unknown[]): void {
    super.warn(withJob(message), ...optionalParams);
  }

  override debug(message: unknown, ...optionalParams: unknown[]): void {
    super.debug(withJob(message), ...optionalParams);
  }

  override verbose(message: unknown, ...optionalParams: unknown[]): void {
    super.verbose(withJob(message), ...optionalParams);
  }

  override fatal(message: unknown, ...optionalParams: unknown[]): void {
    super.fatal(withJob(message), ...optionalParams);
  }
}

/**
 * `[queue id #attempt] message` inside a job, with the active span's `trace_id=… span_id=…` when
 * there is one; structured (non-string) messages pass through.
 */
function withJob(message: unknown): unknown {
  if (typeof message !== 'string') return message;
  const store = jobContextStorage.getStore();
  const ids = activeTraceIds();
  const trace = ids ? `trace_id=${ids.traceId} span_id=${ids.spanId}` : undefined;
  if (!store) return trace ? `[${trace}] ${message}` : message;
  const { job, jobs } = store;
  const label = job ? `${job.name} ${job.id} #${job.attempt}` : `${jobs[0]?.name ?? 'batch'} batch of ${jobs.length}`;
  return `[${label}${trace ? ` ${trace}` : ''}] ${message}`;
}
