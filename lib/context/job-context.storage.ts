import { AsyncLocalStorage } from 'node:async_hooks';
import type { Job } from '../interfaces/job.interface.js';

/** Internal: what the runner stores for the duration of one handler call. */
export interface JobContextStore {
  /** The job of a single-job handler; `undefined` in a batch handler. */
  readonly job?: Job<unknown>;
  /** Every job of the call: one for a single-job handler, the batch for a batch handler. */
  readonly jobs: readonly Job<unknown>[];
}

/**
 * Internal: the one AsyncLocalStorage the runner writes and `JobContext` reads. Module-level so a
 * `JobContext` created outside Nest's container (`new JobContext()`) sees the same jobs.
 */
export const jobContextStorage = new AsyncLocalStorage<JobContextStore>();
