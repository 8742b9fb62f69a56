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
  /**
   * Delay: seconds from now (a number, fractions allowed), a `Date`, or an ISO 8601 date-time string
   * (`"2026-05-01"`, `"2026-05-01T09:00:00Z"`, `"2026-05-01T11:00:00+02:00"`; UTC when it has no
   * offset). At most 366 days ahead; dates from 1970 on. Anything else (`"30"`, a zone name,
   * `"… infinity"`) is refused with a `JobValidationError`.
   */
  startAfter?: number | Date | string;
  /**
   * Idempotency key. On a queue whose policy is `short` (one queued job per key), `singleton`
   * (one active), `stately` (one per state) or `exclusive` (one queued or active), sending another
   * job with the same key returns `null` instead of creating a duplicate. On a `standard` queue
   * the key only dedupes together with `throttle` or `debounce`. At most 1024 bytes of UTF-8 and
   * no `\u0000` (PostgreSQL indexes it): send a hash of a longer value.
   */
  singletonKey?: string;
  /**
   * At most one job per `seconds` (per `key` when given; at most 1024 bytes, like `singletonKey`);
   * extra sends in the period return `null`.
   */
  throttle?: { seconds: number; key?: string };
  /**
   * At most one job per `seconds` (per `key`); a send during the period is deferred to the next
   * period instead of dropped.
   */
  debounce?: { seconds: number; key?: string };
  /** Group for `groupConcurrency` limits. `id` and `tier`: at most 1024 bytes of UTF-8 each (PostgreSQL indexes the id). */
  group?: GroupOptions;
  /**
   * Dead-letter queue for this job instead of the queue's. Must be the queue's own dead-letter queue
   * or a queue some definition declares as its `deadLetter`: never an ordinary queue, whose handler
   * would receive a payload never checked against its definition.
   */
  deadLetter?: string;
}

/** Options of `JobsService.schedule`. */
export interface ScheduleJobOptions extends SendJobOptions {
  /** IANA time zone the cron expression is read in (default UTC). */
  tz?: string;
  /** Distinguishes several schedules of one queue (default: the queue's single schedule). */
  key?: string;
}
