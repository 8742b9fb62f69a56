/** Metadata key set by `@JobHandler`. */
export const JOB_HANDLER_METADATA = 'nest-pg-jobs:job-handler';
/** Metadata key set by `@Recurring`. */
export const RECURRING_METADATA = 'nest-pg-jobs:recurring';
/** Metadata key set by `@OnJobEvent`. */
export const JOB_EVENT_LISTENER_METADATA = 'nest-pg-jobs:job-event-listener';

/**
 * The pg-boss schedule key under which `@Recurring` schedules are stored; a `@Recurring` with
 * `key: 'k'` is stored under `nest-pg-jobs.recurring/k`. Schedules with these keys are owned by the
 * decorators: one no longer declared in code is removed at bootstrap. Schedules created at runtime
 * with `JobsService.schedule()` must use other keys and are never touched.
 */
export const RECURRING_SCHEDULE_KEY = 'nest-pg-jobs.recurring';

/** Internal: the pg-boss schedule key of a `@Recurring` declaration with an optional key of its own. */
export const recurringScheduleKey = (key?: string): string =>
  key === undefined ? RECURRING_SCHEDULE_KEY : `${RECURRING_SCHEDULE_KEY}/${key}`;

/** Internal: whether a pg-boss schedule key is one `@Recurring` owns. */
export const isRecurringScheduleKey = (key: string): boolean =>
  key === RECURRING_SCHEDULE_KEY || key.startsWith(`${RECURRING_SCHEDULE_KEY}/`);

/** Longest `key` a `@Recurring` accepts, in characters. */
export const MAX_RECURRING_KEY_LENGTH = 100;

/** Injection token of the `PgBoss` instance the module uses. */
export const PG_BOSS = Symbol('nest-pg-jobs:PgBoss');
/** Internal token: the PgBoss and whether the module owns it. */
export const PG_BOSS_HANDLE = Symbol('nest-pg-jobs:PgBossHandle');
/** Internal token: the module's telemetry (`JobsTelemetry`), or `null` when `openTelemetry` is off. */
export const JOBS_TELEMETRY = Symbol('nest-pg-jobs:Telemetry');

/**
 * Default time a `JobsService` call made before the application is initialised waits for init to
 * begin, before it fails with `JobsNotRunningError`.
 */
export const DEFAULT_INIT_TIMEOUT_MS = 5_000;
/** Default graceful-shutdown timeout: in-flight jobs get this long to finish. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
/**
 * Default number of attempts to reach the database at bootstrap: waits of 1, 2, 4, then 8 s each
 * (about a minute), enough for a database that restarts or fails over while the app boots
 * (docs/reliability.md, scenario 6).
 */
export const DEFAULT_START_ATTEMPTS = 10;
/**
 * Default worker polling interval. New jobs wake workers at once through LISTEN/NOTIFY; polling
 * picks up what sends no notification (retries, delayed jobs), so it bounds how late those start.
 */
export const DEFAULT_POLLING_INTERVAL_SECONDS = 1;

/** pg-boss queue options with their pg-boss defaults, the set the module keeps in line. */
export const MANAGED_QUEUE_OPTION_DEFAULTS = {
  retryLimit: 2,
  retryDelay: 0,
  retryBackoff: false,
  retryDelayMax: null,
  expireInSeconds: 900,
  retentionSeconds: 1_209_600,
  deleteAfterSeconds: 604_800,
  heartbeatSeconds: null,
  deadLetter: null,
  notify: false,
} as const;

/**
 * Options pg-boss can set but never unset: `warningQueueSize` is stored as 0 (off) by default and
 * `updateQueue` refuses 0 and null. They are updated when declared, and left as they are (with a
 * log line) when a declaration drops them.
 */
export const SET_ONLY_QUEUE_OPTIONS = ['warningQueueSize'] as const;

/** Options fixed at queue creation: pg-boss can never change them afterwards. */
export const IMMUTABLE_QUEUE_OPTIONS = ['policy', 'partition'] as const;
