import type { GroupConcurrencyConfig } from 'pg-boss';
import type { JobQueueOptions } from './queue-options.interface.js';
import type { JobsModuleOptions } from './jobs-module-options.interface.js';
import type { EventDefinition } from './event-definition.interface.js';

/**
 * A limit on how often jobs of one queue start, shared by every instance on the database: at most
 * `max` starts in each window of `perSeconds` (fixed windows, counted by the database's clock).
 *
 * @example
 * // a third-party API that allows 100 calls a minute, whatever the number of replicas
 * @JobHandler(SyncCrm, { concurrency: 4, rateLimit: { max: 100, perSeconds: 60 } })
 */
export interface JobRateLimit {
  /** Job starts allowed in one window (an integer >= 1). */
  max: number;
  /** Length of a window in seconds (>= 0.1, at most 86400). */
  perSeconds: number;
}

/** How a worker fetches and runs jobs of one queue in this instance. */
export interface JobWorkerOptions {
  /** Jobs of this queue that may run at once in this instance (default 1). */
  concurrency?: number;
  /**
   * Cluster-wide limit of running jobs per group (jobs sent with `group: { id }`), checked in the
   * database by each fetch: a group at its limit is skipped while other groups run. pg-boss reads
   * the active count without a lock, so two fetches at the same instant can both start a job of
   * one group. Cannot be combined with `localGroupConcurrency`.
   */
  groupConcurrency?: number | GroupConcurrencyConfig;
  /**
   * Limit of running jobs per group in this instance, kept in memory: exact here, not shared with
   * other instances. It counts the jobs of all the handler's `concurrency` slots, so it cannot
   * exceed `concurrency`. Cannot be combined with `groupConcurrency`.
   */
  localGroupConcurrency?: number | GroupConcurrencyConfig;
  /**
   * Whether each slot of a single-job handler fetches several jobs at once while the handler is
   * quick (default `true`; see README, "Handlers"). Jobs still run in priority order, but a job
   * sent with a higher priority waits behind the jobs a slot has already fetched: up to two
   * batches of up to 200 per slot. `false` fetches one job per slot at a time, so such a job waits only
   * for the jobs running: strict priority order, at the cost of one fetch and one completion
   * commit per job. Batch handlers, group limits and the `singleton`, `stately`, `exclusive` and
   * `key_strict_fifo` policies never adapt, so `true` is refused with them.
   */
  adaptiveBatching?: boolean;
  /**
   * Seconds between polls (>= 0.5, default 1). New jobs wake the worker at once through
   * LISTEN/NOTIFY; polling picks up retries and delayed jobs, so it bounds how late they start.
   */
  pollingIntervalSeconds?: number;
  /** Only fetch jobs with at least this priority. */
  minPriority?: number;
  /** Only fetch jobs with at most this priority. */
  maxPriority?: number;
  /** Seconds between heartbeats while a job runs (< the queue's `heartbeatSeconds`). */
  heartbeatRefreshSeconds?: number;
  /**
   * At most `max` job starts per `perSeconds` window for this queue across the cluster, held in the
   * database so it survives restarts and counts every instance (README, "Rate limits"). Also
   * accepted on `defineJob`. Each slot fetches one job at a time and takes a start permit before the
   * job starts; a job whose permit is for a later window waits for it in its slot (it counts as
   * active meanwhile, and its `expireInSeconds` runs). Single-job and `@Recurring` handlers only;
   * never with `adaptiveBatching: true`.
   */
  rateLimit?: JobRateLimit;
  /**
   * Events this queue subscribes to (`defineEvent`): each `JobsService.publish` of one of them sends
   * a job with the event's payload to this queue. Kept in line with the code at bootstrap, like queue
   * options: a subscription no handler declares any more is removed. The event's payload type must
   * fit the job's (a compile error otherwise). `@JobHandler` only; not in `workerDefaults`.
   */
  subscribe?: readonly EventDefinition<any, any>[];
}

/** Options of a batch handler: it receives up to `batchSize` jobs as an array. */
export interface JobBatchOptions {
  /** Jobs handed to one call of a batch handler. Setting it makes the handler a batch handler. */
  batchSize?: number;
}

/** Everything `@JobHandler` accepts: worker options, batch options and queue options. */
export interface JobHandlerOptions extends JobWorkerOptions, JobBatchOptions, JobQueueOptions {}

/** What an options factory receives: the module options and a way to get any provider. */
export interface JobHandlerOptionsContext {
  /** The resolved `JobsModule` options. */
  readonly moduleOptions: JobsModuleOptions;
  /** Gets a provider from the application, for example `get(ConfigService)`. */
  get<T = unknown>(token: string | symbol | (abstract new (...args: never[]) => T)): T;
}

/** Handler options known only at runtime: computed at bootstrap from configuration. */
export type JobHandlerOptionsFactory<O = JobHandlerOptions> = (
  context: JobHandlerOptionsContext,
) => O | Promise<O>;
