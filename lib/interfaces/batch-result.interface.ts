/**
 * The outcome of one job of a batch, returned by a batch handler that settles jobs one by one.
 * A job missing from the returned array is failed (and retried), as pg-boss does.
 */
export interface BatchJobResult {
  /** Id of a job of the batch. */
  id: string;
  /** `completed`; `failed` (retried while retries remain); `deadletter` (straight to the dead-letter queue). */
  status: 'completed' | 'failed' | 'deadletter';
  /** Stored on the job: its result, or the failure detail. */
  output?: object;
}
