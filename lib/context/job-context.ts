import { Injectable } from '@nestjs/common';
import type { Job } from '../interfaces/job.interface.js';
import { jobContextStorage } from './job-context.storage.js';

/**
 * The job being handled, from anywhere the handler's work reaches: services it calls, repositories,
 * loggers, HTTP clients. Backed by `AsyncLocalStorage`, so it follows `await`, timers and event
 * emitters started by the handler, and each job sees its own even when many run at once.
 * Outside a handler every getter returns `undefined`.
 *
 * Injectable (provided by `JobsModule`), and also usable without injection: `JobContext.current()`.
 *
 * @example
 * @Injectable()
 * export class AuditLog {
 *   constructor(private readonly context: JobContext) {}
 *   write(action: string) {
 *     return this.repo.insert({ action, jobId: this.context.jobId ?? null });
 *   }
 * }
 */
@Injectable()
export class JobContext {
  /** The current job (single-job handlers), or `undefined` outside a handler or in a batch handler. */
  static current(): Job<unknown> | undefined {
    return jobContextStorage.getStore()?.job;
  }

  /** The current job (single-job handlers), or `undefined` outside a handler or in a batch handler. */
  get job(): Job<unknown> | undefined {
    return jobContextStorage.getStore()?.job;
  }

  /** Every job of the current handler call (the batch, for batch handlers), or `undefined` outside one. */
  get jobs(): readonly Job<unknown>[] | undefined {
    return jobContextStorage.getStore()?.jobs;
  }

  /** Shortcut for `job?.id`. */
  get jobId(): string | undefined {
    return this.job?.id;
  }

  /** The queue of the current handler call (single or batch), or `undefined` outside one. */
  get queue(): string | undefined {
    return jobContextStorage.getStore()?.jobs[0]?.name;
  }

  /** True inside a handler call. */
  get active(): boolean {
    return jobContextStorage.getStore() !== undefined;
  }
}
