import type { JobProgress } from './job.interface.js';

/** Lifecycle events of jobs processed in this instance. */
export type JobEventType = 'started' | 'progress' | 'completed' | 'failed' | 'retried' | 'dead-lettered';

/**
 * One lifecycle event of a job processed in this instance.
 *
 * - `started`: the handler was called.
 * - `progress`: a value the handler reported with `job.updateProgress` was stored; carries it.
 * - `completed`: the handler resolved; carries the job's `output`.
 * - `failed`: an attempt failed (the handler threw, timed out, was cancelled or the payload was
 *   invalid); followed by `retried` or `dead-lettered` when the module can tell which comes next
 *   (neither for a cancelled job).
 * - `retried`: the failed job will run again.
 * - `dead-lettered`: the job used its last attempt (or had an invalid payload) and was moved to
 *   the queue's dead-letter queue.
 *
 * `completed`, `failed`, `retried` and `dead-lettered` fire once pg-boss has recorded the outcome:
 * a listener that reads the job (`JobsService.getJob`) sees its new state and output. The outcome
 * events of a batch fire together, after the batch, in the order its jobs ran; `started` fires as
 * each handler is called.
 *
 * `TOutput` types `output`: `@OnJobEvent('completed', Def)` hands the listener a
 * `JobEvent<StoredResult<TResult>>` for a definition with a result type (`JobEvent<{ total: number }>` for
 * `defineJob<TData, { total: number }>`). `events$` carries every queue's events, so its `output` is an
 * untyped `object`.
 */
export interface JobEvent<TOutput extends object = object> {
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
  /**
   * The job's output as stored, on `completed`: what the handler returned (a batch handler: the
   * job's result's `output`), wrapped as `{ value }` when not an object (an array too, as pg-boss
   * stores it); absent when it returned nothing. The stored copy is its JSON (a `Date` is stored as its
   * ISO string). Typed by the definition's result type where the event is (see above).
   */
  readonly output?: TOutput;
  /** The stored progress value, on `progress`. */
  readonly progress?: JobProgress;
}
