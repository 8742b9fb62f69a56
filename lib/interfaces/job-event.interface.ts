/** Lifecycle events of jobs processed in this instance. */
export type JobEventType = 'started' | 'completed' | 'failed' | 'retried' | 'dead-lettered';

/**
 * One lifecycle event of a job processed in this instance.
 *
 * - `started`: the handler was called.
 * - `completed`: the handler resolved.
 * - `failed`: an attempt failed (the handler threw, timed out or the payload was invalid);
 *   followed by `retried` or `dead-lettered` when the module can tell which comes next.
 * - `retried`: the failed job will run again.
 * - `dead-lettered`: the job used its last attempt (or had an invalid payload) and was moved to
 *   the queue's dead-letter queue.
 */
export interface JobEvent {
  readonly type: JobEventType;
  /** Queue name. */
  readonly queue: string;
  readonly jobId: string;
  /** 1-based attempt number. */
  readonly attempt: number;
  /** The error of a `failed` event (and of the `retried`/`dead-lettered` that follow). */
  readonly error?: unknown;
  /** Handler run time, on `completed` and `failed`. */
  readonly durationMs?: number;
  /** The dead-letter queue, on `dead-lettered`. */
  readonly deadLetter?: string;
}
