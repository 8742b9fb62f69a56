import type { Db, GroupOptions } from 'pg-boss';
import type { JobQueueOptions } from './queue-options.interface.js';

/**
 * A database connection to enqueue through: the application's open transaction, wrapped by one of
 * the adapters (`fromTypeOrm`, `fromMikroOrm`, `fromPg`, or pg-boss's `fromKnex`, `fromKysely`,
 * `fromDrizzle`, `fromPrisma`, all exported by this package). Anything with
 * `executeSql(text, values) => Promise<{ rows }>` works.
 */
export type JobsDb = Db;

/** Where a call runs: in the application's transaction when `db` is given. */
export interface TransactionOptions {
  /**
   * Enqueue inside this transaction: the job exists only if the transaction commits, and workers
   * are woken (LISTEN/NOTIFY) only on commit. Without it, the module's own pool is used.
   *
   * @example
   * await dataSource.transaction(async (manager) => {
   *   await manager.save(user);
   *   await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromTypeOrm(manager) });
   * });
   */
  db?: JobsDb;
}

/** Options of one job in `JobsService.sendMany`. */
export type SendManyJobOptions = Omit<SendJobOptions, 'throttle' | 'debounce' | 'db'>;

/** Options of `JobsService.send`. */
export interface SendJobOptions
  extends TransactionOptions,
    Pick<
    JobQueueOptions,
    'retryLimit' | 'retryDelay' | 'retryBackoff' | 'retryDelayMax' | 'expireInSeconds' | 'deadLetter'
  > {
  /** Custom job id (a uuid). */
  id?: string;
  /** Higher runs first (default 0). */
  priority?: number;
  /** Delay: seconds from now, a `Date`, or an ISO date string. */
  startAfter?: number | Date | string;
  /**
   * Idempotency key. On a queue whose policy is `short` (one queued job per key), `singleton`
   * (one active), `stately` (one per state) or `exclusive` (one queued or active), sending another
   * job with the same key returns `null` instead of creating a duplicate. On a `standard` queue
   * the key only dedupes together with `throttle` or `debounce`.
   */
  singletonKey?: string;
  /** At most one job per `seconds` (per `key` when given); extra sends in the period return `null`. */
  throttle?: { seconds: number; key?: string };
  /**
   * At most one job per `seconds` (per `key`); a send during the period is deferred to the next
   * period instead of dropped.
   */
  debounce?: { seconds: number; key?: string };
  /** Group for `groupConcurrency` limits. */
  group?: GroupOptions;
}

/** Options of `JobsService.schedule`. */
export interface ScheduleJobOptions extends SendJobOptions {
  /** IANA time zone the cron expression is read in (default UTC). */
  tz?: string;
  /** Distinguishes several schedules of one queue (default: the queue's single schedule). */
  key?: string;
}
