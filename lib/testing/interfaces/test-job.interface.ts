import type { JobProgress } from '../../interfaces/job.interface.js';
import type { JobStates } from 'pg-boss';
import type { SendJobOptions } from '../../interfaces/send-options.interface.js';
import type { StoredResult } from '../../interfaces/job-result.interface.js';

/** The state of a job in the testing module's in-memory queue, named as pg-boss names them. */
export type TestJobState = JobStates[keyof JobStates];

/**
 * A job recorded by the testing module: what was sent, with the options pg-boss would have
 * stored. `data` is the payload as sent (the handler receives it after the schema ran).
 */
export interface TestJob<I = unknown> {
  readonly id: string;
  /** Queue name. */
  readonly name: string;
  readonly data: I;
  /** The options `send`/`sendMany`/`flow` received, as given (including `db`, if any). */
  readonly options: Readonly<SendJobOptions>;
  readonly state: TestJobState;
  readonly priority: number;
  readonly singletonKey: string | null;
  /** When the job may start (a delayed job's `startAfter`); `drain` does not wait for it. */
  readonly startAfter: Date;
  readonly createdOn: Date;
  /** Retries used so far. */
  readonly retryCount: number;
  readonly retryLimit: number;
  /** Dead-letter queue of the job, from its options or its queue's. */
  readonly deadLetter: string | null;
  /** The handler's result once completed, or the serialized error of the last failed attempt. */
  readonly output: object | null;
  /** The last value its handler stored with `job.updateProgress`, or `null`. */
  readonly progress: JobProgress | null;
  /** Ids of the flow steps this job waits for. */
  readonly dependsOn: readonly string[];
  /** For a dead-lettered copy: the queue and job it failed on. */
  readonly sourceName: string | null;
  readonly sourceId: string | null;
}

/**
 * A recorded job in one state `S`, with `output` typed by its definition's result type `R`, as
 * `JobsService.getJob` types a stored one (`TypedJobRecord`): in a `completed` job, what the handler
 * returned as stored ({@link StoredResult}); in any other state, the serialized error of the last
 * failed attempt, or `null`.
 */
export type TypedTestJob<I, R, S extends TestJobState = TestJobState> = S extends TestJobState
  ? Omit<TestJob<I>, 'state' | 'output'> & {
      readonly state: S;
      readonly output: S extends 'completed' ? StoredResult<R> : object | null;
    }
  : never;

/**
 * A job as `JobsTester.jobs(Def)` returns it: for a definition with a result type
 * (`defineJob<TData, TResult>`), a union over its `state` ({@link TypedTestJob}), so a job narrowed to
 * `state === 'completed'` has the handler's result as `output`; without one (`R` is `unknown`), a
 * {@link TestJob} (`output: object | null`).
 *
 * @example
 * const [job] = tester.jobs(Invoice); // defineJob<{ orderId: string }, { total: number }>
 * if (job?.state === 'completed') expect(job.output.total).toBe(42);
 */
export type TestJobRecord<I, R = unknown> = unknown extends R ? TestJob<I> : TypedTestJob<I, R>;

/**
 * What `drain` did. `failed` counts jobs that ended failed (their retries used up), dead-lettered
 * ones included; `retried` counts failed attempts that were retried.
 */
export interface DrainSummary {
  /** Handler calls (a batch handler's call counts once). */
  runs: number;
  /** Jobs that completed. */
  completed: number;
  /** Failed attempts that will run again. */
  retried: number;
  /** Jobs that failed for good (including those moved to a dead-letter queue). */
  failed: number;
  /** Jobs copied to their dead-letter queue. */
  deadLettered: number;
  /**
   * Jobs of the drained queues still waiting: flow steps whose dependency failed or was cancelled,
   * and the jobs of paused queues.
   */
  pending: number;
}

/**
 * Options of `JobsTester.drain`.
 *
 * @example
 * await tester.drain('all', { maxRuns: 50 });
 */
export interface DrainOptions {
  /** Handler calls after which drain gives up with a `JobsTestingError` (default 1000). */
  maxRuns?: number;
}

/**
 * What `performJob` may set on the job it builds; everything else is realistic defaults.
 *
 * @example
 * await tester.performJob(WelcomeEmail, data, { attempt: 4, signal: AbortSignal.abort() });
 */
export interface PerformJobOptions {
  /** Job id (default: a new uuid). */
  id?: string;
  /** 1-based attempt (default 1). With `attempt: retryLimit + 1` the run is the last one. */
  attempt?: number;
  /** Retries allowed (default: the queue's resolved `retryLimit`). */
  retryLimit?: number;
  /** The job's abort signal (default: one that never aborts unless the job is cancelled). */
  signal?: AbortSignal;
  priority?: number;
  singletonKey?: string;
  createdOn?: Date;
}

/**
 * A runtime schedule recorded by `JobsService.schedule` in the testing module.
 *
 * @example
 * expect(tester.scheduled(Digest)).toEqual([expect.objectContaining({ cron: '0 8 * * *' })]);
 */
export interface TestSchedule<I = unknown> {
  readonly name: string;
  readonly key: string;
  readonly cron: string;
  readonly data: I | undefined;
  readonly tz: string | undefined;
}

/** An event published in the testing kit (`tester.published`). */
export interface TestPublishedEvent<I = unknown> {
  /** The event's name. */
  readonly event: string;
  /** The payload, as `publish` received it. */
  readonly data: I;
  /** The queues whose handler subscribes to the event, sorted: each got one job. */
  readonly queues: readonly string[];
  /** The ids of the jobs sent to those queues. */
  readonly ids: readonly string[];
}
