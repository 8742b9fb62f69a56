import type { LoggerService } from '@nestjs/common';
import type { ConstructorOptions, PgBoss } from 'pg-boss';
import type { JobDefinition } from './job-definition.interface.js';
import type { JobQueueOptions } from './queue-options.interface.js';
import type { JobHandlerOptions, JobWorkerOptions } from './job-handler-options.interface.js';
import type { JobsOpenTelemetryOptions } from './open-telemetry-options.interface.js';

/**
 * Options of `JobsModule.forRoot` / `forRootAsync`. Give exactly one of `connectionString`,
 * `connection` or `boss`.
 */
export interface JobsModuleOptions {
  /** PostgreSQL connection string, e.g. `postgres://user:pass@localhost:5432/app`. */
  connectionString?: string;
  /** pg-boss constructor options (host, pool size, maintenance intervals...). */
  connection?: ConstructorOptions;
  /**
   * An existing `PgBoss` the application owns. The module starts it if needed but never stops
   * or closes it: the owner does.
   */
  boss?: PgBoss;
  /**
   * Schema that holds pg-boss's tables (default `pgboss`). A bare name (letters, digits and `_`,
   * not starting with a digit) is folded to lower case by PostgreSQL; pass it quoted (`'"MyJobs"'`)
   * to keep its case. At most 50 bytes. Anything else is refused at bootstrap.
   */
  schema?: string;
  /** Queue options applied to every queue unless its definition or handler says otherwise. */
  queueDefaults?: JobQueueOptions;
  /** Worker options applied to every handler unless it says otherwise. */
  workerDefaults?: JobWorkerOptions;
  /**
   * Per-queue handler options that override the decorators, typically read from configuration
   * in `forRootAsync`: `{ 'welcome-email': { concurrency: 10 } }`.
   */
  handlers?: Record<string, JobHandlerOptions>;
  /**
   * Jobs this instance sends but does not handle. Their queues are created when missing (so an
   * enqueue-only service can start before the workers), but never updated: the instance that
   * handles a queue owns its options.
   */
  queues?: JobDefinition<any, any>[];
  /**
   * Run workers in this instance (default true). `false` makes an instance that only enqueues:
   * queues are still created, but no job is ever fetched here and no schedule is reconciled.
   */
  workers?: boolean;
  /**
   * Run pg-boss's cron scheduler in this instance (default true). The scheduler fires each tick
   * once per cluster whatever the number of instances running it; turn it off on instances that
   * should never send scheduled jobs.
   */
  scheduler?: boolean;
  /**
   * Wake workers with LISTEN/NOTIFY the moment a job is sent, and the moment a queue is paused or
   * resumed (default true; one more connection per worker instance for the pauses). Polling remains:
   * without it a pause reaches every instance within about a second.
   */
  listenNotify?: boolean;
  /**
   * Run the statements of `send`/`sendMany` as named (prepared) statements, parsed once per
   * connection instead of on every call: about 1 ms less per send on a small machine (default
   * true). Set `false` behind a connection pooler that cannot keep prepared statements (PgBouncer in
   * transaction mode before 1.21, or without `max_prepared_statements`). Applies when the module
   * builds pg-boss itself (`connectionString` or `connection` without a custom `db`).
   */
  preparedStatements?: boolean;
  /**
   * Refresh PostgreSQL's planner statistics of a queue's table (`ANALYZE`, in the background) once
   * this many jobs were sent to it from this instance since the last refresh, at most every 30 s
   * per table (default 10 000; `false` turns it off and leaves it to autovacuum). After a burst of
   * sends, stale statistics make pg-boss's fetch read and sort the whole backlog on every fetch
   * instead of reading the next jobs off its index: on a 100,000-job backlog the workers ran 2.2×
   * slower until autovacuum caught up. Applies when the module builds pg-boss itself
   * (`connectionString` or `connection` without a custom `db`).
   */
  analyzeAfterInserts?: number | false;
  /** Milliseconds in-flight jobs get to finish at shutdown before they are failed to retry (default 30 000). */
  shutdownTimeoutMs?: number;
  /**
   * Milliseconds a `JobsService` call made before the application is initialised waits for
   * `app.init()` (or `listen()`) to start the module, before it fails with `JobsNotRunningError`
   * (default 5 000). A call made while the module is starting waits for the start to end, however
   * long `startAttempts` take.
   */
  initTimeoutMs?: number;
  /** Attempts to reach the database at bootstrap, waiting 1, 2, 4, then 8 s between them (default 10: about a minute). */
  startAttempts?: number;
  /**
   * Largest payload `send`, `sendMany` (per job), `flow` (per step) and `schedule` accept, in bytes
   * of its JSON (default 1 MiB, 1 048 576). A larger one is refused with a `JobValidationError`
   * before anything is written. pg-boss stores the payload as `jsonb` in the job row and every
   * fetch reads whole rows, so large payloads slow every worker of the queue: store big data
   * elsewhere and send its key.
   */
  maxPayloadBytes?: number;
  /** Logger for the module's structured logs; `false` silences them. Default: Nest's `Logger`. */
  logger?: LoggerService | false;
  /**
   * OpenTelemetry traces and metrics (default off). `true` (or an object of
   * {@link JobsOpenTelemetryOptions}) turns on pg-boss's own spans and metrics (send, process,
   * complete/fail; sent, consumed, durations, queue sizes), stores the sender's trace context with
   * each job, and wraps every handler call in a span of the module's, in the sender's trace, whose
   * children are the spans the handler creates; `JobLogger` lines then carry `trace_id` and
   * `span_id`. Needs `@opentelemetry/api` and pg-boss 12.38 or later; spans and metrics go wherever
   * the application's OpenTelemetry SDK sends them (none registered: nothing is recorded).
   *
   * Off (absent or `false`): pg-boss's telemetry is turned off too (`openTelemetry: { enabled:
   * false }`), unless `connection.openTelemetry` configures pg-boss directly.
   */
  openTelemetry?: boolean | JobsOpenTelemetryOptions;
}

/** Extra options of `forRoot`/`forRootAsync` handled by the module itself. */
export interface JobsModuleExtras {
  /** Register the module globally (default true). */
  isGlobal?: boolean;
}
