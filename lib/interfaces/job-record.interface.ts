import type { FindJobsOptions as PgBossFindJobsOptions, JobWithMetadata } from 'pg-boss';
import type { StoredResult } from './job-result.interface.js';
import type { JobProgress } from './job.interface.js';

/**
 * The state of a stored job, as pg-boss names it: `created` (waiting, deferred ones included),
 * `retry` (waiting to run again after a failed attempt), `active` (running), `completed`,
 * `cancelled` and `failed` (retries used up).
 */
export type JobState = JobWithMetadata['state'];

/**
 * A stored job as pg-boss returns it (`JobWithMetadata`: state, output, dates, retry count...) with
 * the last `progress` its handler reported with `job.updateProgress` (`null` when it never did).
 * Progress stays readable after the job finished, until pg-boss deletes the job.
 */
export type JobWithProgress<TData = unknown> = JobWithMetadata<TData> & {
  /** The last value the handler stored with `job.updateProgress`, or `null`. */
  readonly progress: JobProgress | null;
};

/**
 * A job in one state `S`, with `output` typed by its definition's result type `TResult`: in a
 * `completed` job, what the handler returned as stored ({@link StoredResult}); in any other state, the
 * serialized error of the last failed attempt (`{ name, message, stack, … }`), or `null`.
 */
export type TypedJobRecord<TData, TResult, S extends JobState = JobState> = S extends JobState
  ? Omit<JobWithProgress<TData>, 'state' | 'output'> & {
      state: S;
      output: S extends 'completed' ? StoredResult<TResult> : object | null;
    }
  : never;

/**
 * A job as `JobsService.getJob` and `findJobs` return it: pg-boss's `JobWithMetadata` with the job's
 * last reported `progress` ({@link JobWithProgress}), its `data` typed by the definition. For a definition with a result type (`defineJob<TData, TResult>`), a union over
 * the job's `state` ({@link TypedJobRecord}): check `state === 'completed'` and `output` is the
 * handler's result; `findJobs(Def, { state: 'completed' })` returns only that member. Without one
 * (`TResult` is `unknown`) it is {@link JobWithProgress} (`output: object`, as pg-boss types it).
 *
 * The types are a promise of the definition, as `data`'s are: a job stored by another deploy, another
 * service or raw pg-boss holds what that code stored.
 *
 * @example
 * const job = await jobs.getJob(Invoice, id);
 * if (job?.state === 'completed') console.log(job.output.total); // typed by defineJob<…, { total: number }>
 */
export type JobRecord<TData = unknown, TResult = unknown, S extends JobState = JobState> = unknown extends TResult
  ? JobWithProgress<TData>
  : TypedJobRecord<TData, TResult, S>;

/**
 * Options of `JobsService.findJobs`: pg-boss's (`id`, `key`, `data`, `queued`, `limit`, `after`, `db`)
 * and `state`. Every option narrows the result; jobs come oldest first (by creation, then id), at most
 * `limit` (default 1000, at most 100,000), and `after` (the id of the last job of the previous page)
 * continues a listing.
 *
 * `state` takes one {@link JobState} or a non-empty list of them. It cannot be combined with `queued`,
 * which is a state filter of its own (`queued: true` is `state: ['created', 'retry']`).
 *
 * @example
 * await jobs.findJobs(Invoice, { state: 'failed', limit: 50 });
 * await jobs.findJobs(Invoice, { state: ['created', 'retry'], key: 'customer-42' });
 */
export type FindJobsOptions<S extends JobState = JobState> = Omit<PgBossFindJobsOptions, 'queued'> &
  (
    | {
        /** Only jobs waiting to run (`created` or `retry`). Not with `state`. */
        queued?: boolean;
        state?: undefined;
      }
    | {
        queued?: undefined;
        /** Only jobs in this state, or in one of these states (a non-empty list). Not with `queued`. */
        state: S | readonly S[];
      }
  );
