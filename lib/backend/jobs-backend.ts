import type { FindJobsOptions as PgBossFindJobsOptions, JobWithMetadata, PgBoss, QueueResult, RedriveOptions } from 'pg-boss';
import type { PreviewSchedule } from '../declare/validate-schedule.util.js';
import type { KnownQueue } from '../runtime/send-checks.js';
import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import type { JobProgress } from '../interfaces/job.interface.js';
import type { FlowStep } from '../interfaces/flow-step.interface.js';
import type { QueueCounts } from '../interfaces/queue-counts.interface.js';
import type { FindJobsOptions, JobWithProgress } from '../interfaces/job-record.interface.js';
import type {
  JobsDb,
  ScheduleJobOptions,
  SendJobOptions,
  SendManyJobOptions,
} from '../interfaces/send-options.interface.js';

/** @internal Injection token of the {@link JobsBackend} behind `JobsService`. */
export const JOBS_BACKEND = Symbol('nest-pg-jobs:JobsBackend');

/** @internal A checked definition: its `name` is the queue. */
export type CheckedDefinition = JobDefinition<unknown, unknown>;

/**
 * @internal What a queue has waiting, read from its waiting jobs only (not the completed ones a
 * queue retains), for the health check (`nest-pg-jobs/terminus`).
 */
export interface QueueBacklog {
  /** Jobs in state created or retry, deferred ones included: `QueueCounts.queued`. */
  queued: number;
  /**
   * Seconds since the oldest job that could run now became due: since its `start_after` (when it
   * was sent, or the end of its delay or retry backoff, or when its flow released it), or since it
   * was created when that is later. Jobs still deferred or waiting on a flow dependency are not
   * waiting yet. 0 when no job is due: pg-boss's own `readyOldestSeconds`, counted now.
   */
  oldestWaitingSeconds: number;
  /** Jobs waiting in the queue's dead-letter queue (`QueueCounts.dead`); 0 without one. */
  dead: number;
}

/**
 * @internal What one queue holds now, for the queue gauges of `nest-pg-jobs/prometheus`: read from
 * its live jobs only (waiting, active, failed), never the completed ones a queue retains.
 */
export interface QueueGauges {
  queue: string;
  /** Jobs in state created or retry, deferred and flow-blocked ones included: `QueueCounts.queued`. */
  waiting: number;
  /** Of the waiting jobs, those not blocked whose start is still ahead (a delay, a retry backoff). */
  deferred: number;
  /** Jobs a worker holds. */
  active: number;
  /** Failed jobs the queue still holds (until pg-boss deletes them after `deleteAfterSeconds`). */
  failed: number;
  /** Jobs waiting in the queue's dead-letter queue; 0 without one. */
  deadLettered: number;
  /** As {@link QueueBacklog.oldestWaitingSeconds}: since when the oldest due job could run; 0 when none is due. */
  oldestWaitingSeconds: number;
}

/**
 * @internal A queue's {@link QueueBacklog} from its {@link QueueGauges}: the health check reads the
 * same figures the metrics do, from the same one statement per backend.
 */
export function backlogOf(gauges: QueueGauges): QueueBacklog {
  return { queued: gauges.waiting, oldestWaitingSeconds: gauges.oldestWaitingSeconds, dead: gauges.deadLettered };
}

/**
 * @internal Where `JobsService` stores and reads jobs, once its checks passed: pg-boss
 * (`PgBossBackend`, provided by `JobsModule`) or the testing kit's in-memory queue. Every input is
 * already checked by `SendChecks` and resolved by `JobsService` (definitions, queue names, id
 * lists), and the module is running; a backend translates the storage's own errors into the
 * module's, and refuses nothing that `SendChecks` accepts.
 */
export interface JobsBackend {
  /** The pg-boss instance, for `JobsService.boss`; a backend without one throws. */
  readonly boss: PgBoss;
  /** Parses a cron expression or RRULE as the scheduler will (for `SendChecks`). */
  readonly previewSchedule: PreviewSchedule;
  /** The queues that exist, for a per-send `deadLetter` this app does not declare (for `SendChecks`). */
  queues(): Promise<readonly KnownQueue[]>;
  /** Stores one job; resolves with its id, or `null` when a unique rule suppressed it. */
  send(definition: CheckedDefinition, data: object | null, options: SendJobOptions): Promise<string | null>;
  /** Stores a non-empty list of jobs of one definition at once, in `db` if given. */
  sendMany(
    definition: CheckedDefinition,
    jobs: ReadonlyArray<{ data: unknown; options?: SendManyJobOptions }>,
    db: JobsDb | undefined,
  ): Promise<string[]>;
  /**
   * Sends one job with `data` to every queue subscribed to `event`, atomically (in `db` if given);
   * resolves with the new ids, one per subscribed queue (none when a unique rule suppressed it).
   */
  publish(event: string, data: object | null, db: JobsDb | undefined): Promise<string[]>;
  /** Stores a flow atomically, in `db` if given: `definitions[i]` is the checked definition of `steps[i]`. */
  flow(
    steps: ReadonlyArray<FlowStep<any>>,
    definitions: ReadonlyArray<CheckedDefinition>,
    db: JobsDb | undefined,
  ): Promise<Record<string, string>>;
  /** Creates or replaces the runtime schedule `options.key` (or the default one) of a queue. */
  schedule(definition: CheckedDefinition, cron: string, data: unknown, options: ScheduleJobOptions): Promise<void>;
  /** Removes a runtime schedule. */
  unschedule(queue: string, key: string | undefined): Promise<void>;
  /** Cancels jobs of a queue (a job running in this instance is aborted by `JobsService`). */
  cancel(queue: string, ids: string[]): Promise<void>;
  /** Puts cancelled jobs back in their queue. */
  resume(queue: string, ids: string[]): Promise<void>;
  /** Retries failed jobs now. */
  retry(queue: string, ids: string[]): Promise<void>;
  /** One job by id, with its progress, or `null`. */
  getJob<O>(queue: string, id: string): Promise<JobWithProgress<O> | null>;
  /**
   * Jobs by id, singleton key, payload match or state (never `state` with `queued`), oldest first (by
   * creation, then id), at most `limit` (default 1000), after the job `after` names (a
   * `JobValidationError` when that job no longer exists), each with its progress.
   */
  findJobs<O>(queue: string, options: FindJobsOptions): Promise<JobWithProgress<O>[]>;
  /** Stores the progress a running job reported (checked, throttled by the runner). */
  setProgress(queue: string, id: string, progress: JobProgress): Promise<void>;
  /** Forgets the progress of jobs that no longer exist (pg-boss deleted them); resolves with how many. */
  pruneProgress(): Promise<number>;
  /** The queue with its options and cached counts. */
  getQueue(queue: string): Promise<QueueResult | null>;
  /** Exact job counts per state, plus the dead-letter backlog. */
  getQueueCounts(queue: string): Promise<QueueCounts>;
  /** The queue's waiting jobs and the age of the oldest due one (see {@link QueueBacklog}). */
  getQueueBacklog(queue: string): Promise<QueueBacklog>;
  /**
   * The gauges of the named queues, all read at once (one statement, whatever the number of queues);
   * a queue that does not exist is left out.
   */
  getQueueGauges(queues: readonly string[]): Promise<QueueGauges[]>;
  /** Resolves once the database answered a trivial query (`SELECT 1`); rejects with its error. */
  ping(): Promise<void>;
  /** Jobs waiting in the queue's dead-letter queue. */
  getDeadLetters<O>(queue: string, options: Omit<PgBossFindJobsOptions, 'queued'>): Promise<JobWithMetadata<O>[]>;
  /** Moves dead-lettered jobs of the queue back; resolves with the number moved. */
  redrive(queue: string, options: RedriveOptions): Promise<number>;
  /** Records the queue as paused (no worker fetches from it) for every instance; a paused queue stays paused. */
  pauseQueue(queue: string): Promise<void>;
  /** Records the queue as no longer paused; a queue that is not paused stays as it is. */
  resumeQueue(queue: string): Promise<void>;
  /** Whether the queue is paused. */
  isQueuePaused(queue: string): Promise<boolean>;
}
