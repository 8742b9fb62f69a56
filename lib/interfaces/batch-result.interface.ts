/**
 * The outcome of one job of a batch, returned by a batch handler that settles jobs one by one.
 * A job missing from the returned array is failed (and retried), as pg-boss does.
 *
 * For a definition with a result type (`defineJob<TData, TResult>`), `BatchJobResult<TResult>`: a
 * `completed` job's `output` is that job's result, required unless `TResult` admits `undefined`,
 * and stored as a single handler's return value is (see `StoredResult`); `failed` and `deadletter`
 * keep an `object` with the failure detail. Without one (`TResult` is `unknown`), `output` is any
 * object, as before.
 *
 * @example
 * @JobHandler(Resize, { batchSize: 50 })
 * async resize(jobs: Job<{ imageId: string }>[]): Promise<BatchJobResult<{ bytes: number }>[]> {
 *   return jobs.map((job) => ({ id: job.id, status: 'completed', output: { bytes: 42 } }));
 * }
 */
export type BatchJobResult<TResult = unknown> = unknown extends TResult
  ? UntypedBatchJobResult
  : CompletedBatchJobResult<TResult> | FailedBatchJobResult;

/** {@link BatchJobResult} of a definition without a result type. */
export interface UntypedBatchJobResult {
  /** Id of a job of the batch. */
  id: string;
  /** `completed`; `failed` (retried while retries remain); `deadletter` (straight to the dead-letter queue). */
  status: 'completed' | 'failed' | 'deadletter';
  /** Stored on the job: its result, or the failure detail. */
  output?: object;
}

/** A completed job of a batch of a definition whose result type is `TResult`, with its result. */
export type CompletedBatchJobResult<TResult> = {
  /** Id of a job of the batch. */
  id: string;
  status: 'completed';
} & (undefined extends TResult
  ? {
      /** The job's result, stored as its `output`. */
      output?: TResult;
    }
  : {
      /** The job's result, stored as its `output`. */
      output: TResult;
    });

/** A job of a batch that failed (retried while retries remain) or goes straight to the dead-letter queue. */
export interface FailedBatchJobResult {
  /** Id of a job of the batch. */
  id: string;
  status: 'failed' | 'deadletter';
  /** Stored on the job: the failure detail. */
  output?: object;
}

/**
 * @internal What a batch handler may return for a definition whose result type is `R`: nothing (every
 * job completes) or a result per job; with a result type that does not admit `undefined`, a result
 * per job, since a completed job must carry one.
 */
export type BatchHandlerReturn<R> = unknown extends R
  ? void | UntypedBatchJobResult[]
  : BatchJobResult<R>[] | (undefined extends R ? void : never);
