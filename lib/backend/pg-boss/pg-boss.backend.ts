import type {
  FindJobsOptions as PgBossFindJobsOptions,
  FlowJob,
  JobWithMetadata,
  PgBoss,
  QueueResult,
  RedriveOptions,
  SendOptions,
} from 'pg-boss';
import type { BossHandle } from './pg-boss.factory.js';
import { SendCoalescer, type SendContexts } from './send.coalescer.js';
import { PausedQueuesStore } from './paused-queues.store.js';
import { moduleTableIdentifier, PROGRESS_TABLE } from './module-tables.js';
import type { StatisticsRefresher } from './statistics.refresher.js';
import { refusedValues } from './database-error.util.js';
import { schemaIdentifier, quoteIdent } from './sql-identifier.util.js';
import { findJobsAnchor, findJobsByState } from './find-jobs-by-state.sql.js';
import { queueGaugesSql } from './queue-gauges.sql.js';
import { resolveStartAfter } from '../../runtime/validate-send-options.util.js';
import { backlogOf, type CheckedDefinition, type JobsBackend, type QueueBacklog, type QueueGauges } from '../jobs-backend.js';
import type { KnownQueue } from '../../runtime/send-checks.js';
import type { PreviewSchedule } from '../../declare/validate-schedule.util.js';
import { JobsConfigurationError } from '../../errors/jobs-configuration.error.js';
import { JobValidationError } from '../../errors/job-validation.error.js';
import {
  INVALID_LOOKUP_OPTION,
  INVALID_SEND_OPTION,
  NO_DEAD_LETTER_QUEUE,
  PAGE_ANCHOR_GONE,
  UNKNOWN_QUEUE,
  VALUES_REFUSED_BY_DATABASE,
} from '../../errors/jobs.messages.js';
import { describeText } from '../../utils/describe-value.util.js';
import type { FlowStep } from '../../interfaces/flow-step.interface.js';
import type { QueueCounts } from '../../interfaces/queue-counts.interface.js';
import type { JobProgress } from '../../interfaces/job.interface.js';
import type { FindJobsOptions, JobWithProgress } from '../../interfaces/job-record.interface.js';
import type {
  JobsDb,
  ScheduleJobOptions,
  SendJobOptions,
  SendManyJobOptions,
} from '../../interfaces/send-options.interface.js';

/** pg-boss's `findJobs` limit when none is given. */
const DEFAULT_FIND_LIMIT = 1000;

/**
 * @internal The {@link JobsBackend} of `JobsModule`: jobs in PostgreSQL through pg-boss. Sends
 * without a `db` of their own share INSERTs (`SendCoalescer`) on the module's send pool; inserts
 * are counted for the statistics refresher; pg-boss's errors for bad input become the module's.
 */
export class PgBossBackend implements JobsBackend {
  readonly boss: PgBoss;
  readonly previewSchedule: PreviewSchedule;
  private readonly coalescer: SendCoalescer;
  /** Where sends without a `db` of their own run (named statements on pg-boss's pool), if anywhere. */
  private readonly sendDb: JobsDb | undefined;
  private readonly statistics: StatisticsRefresher | undefined;
  private readonly pauses: PausedQueuesStore;

  constructor(
    handle: BossHandle,
    /** The schema that holds pg-boss's tables. */
    private readonly schema: string,
    /** With the module's `openTelemetry` on: keeps each send's trace context (see `SendContexts`). */
    sendContexts?: SendContexts,
  ) {
    this.boss = handle.boss;
    this.sendDb = handle.sendDb;
    this.statistics = handle.statistics;
    this.coalescer = new SendCoalescer(this.boss, this.sendDb, sendContexts);
    this.pauses = new PausedQueuesStore(this.boss, schema);
    this.previewSchedule = (expression, tz, count) => this.boss.previewSchedule(expression, { tz, count });
  }

  queues(): Promise<readonly KnownQueue[]> {
    return this.boss.getQueues();
  }

  send(definition: CheckedDefinition, data: object | null, options: SendJobOptions): Promise<string | null> {
    const name = definition.name;
    // A send in the caller's transaction must stay a statement of that transaction.
    const sent = options.db
      ? this.boss.send(name, data, toSendOptions(options))
      : this.coalescer.send(name, data, toSendOptions(options));
    return sent.then(
      (id) => {
        if (id !== null) this.statistics?.recordInserts(name, 1);
        return id;
      },
      (error: unknown) => rethrow(error, name, 'send'),
    );
  }

  async sendMany(
    definition: CheckedDefinition,
    jobs: ReadonlyArray<{ data: unknown; options?: SendManyJobOptions }>,
    db: JobsDb | undefined,
  ): Promise<string[]> {
    const name = definition.name;
    const target = db ?? this.sendDb;
    const ids = await this.boss
      .insert(
        name,
        jobs.map((job) => ({ ...toSendOptions(job.options ?? {}), data: (job.data ?? undefined) as object })),
        { returnId: true, ...(target ? { db: target } : {}) },
      )
      .catch((error: unknown) => rethrow(error, name, 'sendMany'));
    this.statistics?.recordInserts(name, ids?.length ?? jobs.length);
    return ids ?? [];
  }

  async publish(event: string, data: object | null, db: JobsDb | undefined): Promise<string[]> {
    const run = async (target: JobsDb): Promise<string[]> => {
      const { rows } = await target.executeSql(
        `SELECT name FROM ${schemaIdentifier(this.schema)}.subscription WHERE event = $1 ORDER BY name`,
        [event],
      );
      const ids: string[] = [];
      for (const { name } of rows as { name: string }[]) {
        const inserted = await this.boss
          .insert(name, [{ data: (data ?? undefined) as object }], { returnId: true, db: target })
          .catch((error: unknown) => rethrow(error, event, 'publish'));
        if (inserted && inserted.length > 0) {
          ids.push(...inserted);
          this.statistics?.recordInserts(name, inserted.length);
        }
      }
      return ids;
    };
    // In the caller's transaction; or in one of the module's own, so every subscribed queue gets its
    // job or none does (an app's own PgBoss whose db opens no transaction: one statement at a time).
    if (db) return run(db);
    const pool = this.boss.getDb() as JobsDb & { withTransaction?: <T>(fn: (db: JobsDb) => Promise<T>) => Promise<T> };
    return typeof pool.withTransaction === 'function' ? pool.withTransaction(run) : run(pool);
  }

  async flow(
    steps: ReadonlyArray<FlowStep<any>>,
    definitions: ReadonlyArray<CheckedDefinition>,
    db: JobsDb | undefined,
  ): Promise<Record<string, string>> {
    const jobs: FlowJob[] = steps.map((step, i) => ({
      ref: step.ref,
      name: definitions[i]!.name,
      data: (step.data ?? undefined) as object | undefined,
      options: toSendOptions(step.options ?? {}) as FlowJob['options'],
      ...(step.dependsOn ? { dependsOn: [...step.dependsOn] } : {}),
    }));
    const ids = await this.boss
      .flow(jobs, db ? { db } : {})
      .catch((error: unknown) => rethrow(error, jobs.map((job) => job.name).join(', '), 'flow'));
    for (const job of jobs) this.statistics?.recordInserts(job.name, 1);
    return ids;
  }

  async schedule(definition: CheckedDefinition, cron: string, data: unknown, options: ScheduleJobOptions): Promise<void> {
    const name = definition.name;
    const { tz, key, ...send } = options;
    // pg-boss reports a missing queue here only as a foreign-key violation from the database.
    if (!(await this.boss.getQueue(name))) throw new JobsConfigurationError(UNKNOWN_QUEUE(name));
    await this.boss
      .schedule(name, cron, (data ?? null) as object | null, {
        ...toSendOptions(send),
        ...(tz ? { tz } : {}),
        ...(key ? { key } : {}),
      })
      .catch((error: unknown) => rethrow(error, name, 'schedule'));
  }

  async unschedule(queue: string, key: string | undefined): Promise<void> {
    await this.boss.unschedule(queue, key);
  }

  async cancel(queue: string, ids: string[]): Promise<void> {
    await this.boss.cancel(queue, ids).catch((error: unknown) => rethrowLookup(error, queue, 'cancel'));
  }

  async resume(queue: string, ids: string[]): Promise<void> {
    await this.boss.resume(queue, ids).catch((error: unknown) => rethrowLookup(error, queue, 'resume'));
  }

  async retry(queue: string, ids: string[]): Promise<void> {
    await this.boss.retry(queue, ids).catch((error: unknown) => rethrowLookup(error, queue, 'retry'));
  }

  async getJob<O>(queue: string, id: string): Promise<JobWithProgress<O> | null> {
    const [job] = await this.findJobs<O>(queue, { id });
    return job ?? null;
  }

  async findJobs<O>(queue: string, options: FindJobsOptions): Promise<JobWithProgress<O>[]> {
    const found =
      options.state === undefined
        ? this.boss.findJobs<O>(queue, options as PgBossFindJobsOptions)
        : this.findJobsByState<O>(queue, options);
    const jobs = await found.catch((error: unknown) => rethrowLookup(error, queue, 'findJobs', options));
    return this.withProgress(queue, jobs);
  }

  /**
   * Stores a job's progress. Committed without waiting for the WAL flush (`synchronous_commit` off for
   * this statement's own transaction only): progress is advisory, and a durable commit per report
   * made a handler that reports once per job about 9× slower (bench row nest-pg-jobs-progress, 0.11×
   * the default row). A crash of the database server may lose the last reports of the last moments;
   * the job's own outcome is committed durably by pg-boss as always.
   */
  async setProgress(queue: string, id: string, progress: JobProgress): Promise<void> {
    await this.boss
      .getDb()
      .executeSql(
        `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
         INSERT INTO ${this.progressTable} (name, id, progress)
         SELECT $1, $2, $3::jsonb FROM async_commit
         ON CONFLICT (name, id) DO UPDATE SET progress = EXCLUDED.progress, updated_on = now()`,
        [queue, id, JSON.stringify(progress)],
      );
  }

  async pruneProgress(): Promise<number> {
    const { rows } = await this.boss.getDb().executeSql(
      `WITH gone AS (
         DELETE FROM ${this.progressTable} p
         WHERE NOT EXISTS (SELECT 1 FROM ${schemaIdentifier(this.schema)}.job j WHERE j.name = p.name AND j.id = p.id)
         RETURNING 1
       ) SELECT count(*)::int AS n FROM gone`,
    );
    return (rows[0] as { n: number } | undefined)?.n ?? 0;
  }

  /** The module's own table beside pg-boss's, in the same schema. */
  private get progressTable(): string {
    return moduleTableIdentifier(this.schema, PROGRESS_TABLE);
  }

  /** `jobs` with the progress each reported (one query for all of them), `null` where none. */
  private async withProgress<O>(queue: string, jobs: JobWithMetadata<O>[]): Promise<JobWithProgress<O>[]> {
    if (jobs.length === 0) return [];
    const { rows } = await this.boss
      .getDb()
      .executeSql(`SELECT id, progress FROM ${this.progressTable} WHERE name = $1 AND id = ANY($2::uuid[])`, [
        queue,
        jobs.map((job) => job.id),
      ]);
    const progress = new Map((rows as { id: string; progress: JobProgress }[]).map((row) => [row.id, row.progress]));
    return jobs.map((job) => ({ ...job, progress: progress.get(job.id) ?? null }));
  }

  getQueue(queue: string): Promise<QueueResult | null> {
    return this.boss.getQueue(queue);
  }

  async getQueueCounts(name: string): Promise<QueueCounts> {
    const queue = await this.boss.getQueue(name);
    if (!queue) throw new JobsConfigurationError(UNKNOWN_QUEUE(name));
    const counts = await this.countByState(queue);
    const dead = queue.deadLetter
      ? await this.boss.getQueue(queue.deadLetter).then((q) => (q ? this.countByState(q) : undefined))
      : undefined;
    return {
      queue: name,
      queued: (counts.created ?? 0) + (counts.retry ?? 0),
      active: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      cancelled: counts.cancelled ?? 0,
      dead: dead ? (dead.created ?? 0) + (dead.retry ?? 0) : 0,
    };
  }

  /** The gauges' one statement for this queue (no row: the queue does not exist). */
  async getQueueBacklog(name: string): Promise<QueueBacklog> {
    const [gauges] = await this.getQueueGauges([name]);
    if (!gauges) throw new JobsConfigurationError(UNKNOWN_QUEUE(name));
    return backlogOf(gauges);
  }

  async getQueueGauges(queues: readonly string[]): Promise<QueueGauges[]> {
    if (queues.length === 0) return [];
    const { rows } = await this.boss.getDb().executeSql(queueGaugesSql(schemaIdentifier(this.schema)), [[...queues]]);
    return rows as QueueGauges[];
  }

  async ping(): Promise<void> {
    await this.boss.getDb().executeSql('SELECT 1');
  }

  async getDeadLetters<O>(queue: string, options: Omit<PgBossFindJobsOptions, 'queued'>): Promise<JobWithMetadata<O>[]> {
    const dlq = await this.deadLetterOf(queue);
    return this.boss
      .findJobs<O>(dlq, { ...options, queued: true })
      .catch((error: unknown) => rethrowLookup(error, queue, 'getDeadLetters', options));
  }

  async redrive(queue: string, options: RedriveOptions): Promise<number> {
    const dlq = await this.deadLetterOf(queue);
    return this.boss
      .redrive(dlq, { sourceName: queue, ...options })
      .catch((error: unknown) => rethrowLookup(error, queue, 'redrive'));
  }

  async pauseQueue(queue: string): Promise<void> {
    await this.assertQueue(queue);
    await this.pauses.pause(queue);
  }

  async resumeQueue(queue: string): Promise<void> {
    await this.assertQueue(queue);
    await this.pauses.resume(queue);
  }

  async isQueuePaused(queue: string): Promise<boolean> {
    await this.assertQueue(queue);
    return this.pauses.isPaused(queue);
  }

  /** A queue that does not exist is a `JobsConfigurationError`, as pg-boss's calls report it. */
  private async assertQueue(name: string): Promise<void> {
    if (!(await this.boss.getQueue(name))) throw new JobsConfigurationError(UNKNOWN_QUEUE(name));
  }

  private async deadLetterOf(name: string): Promise<string> {
    const queue = await this.boss.getQueue(name);
    if (!queue) throw new JobsConfigurationError(UNKNOWN_QUEUE(name));
    if (!queue.deadLetter) {
      throw new JobsConfigurationError(NO_DEAD_LETTER_QUEUE(name));
    }
    return queue.deadLetter;
  }

  /**
   * `findJobs` with `state`, which pg-boss's own does not take: one statement of ours
   * (find-jobs-by-state.sql.ts) on the queue's table, in the caller's `db` when given, with the same
   * columns, order and paging as pg-boss's, and the same refusal of an `after` naming a deleted job.
   */
  private async findJobsByState<O>(name: string, options: FindJobsOptions): Promise<JobWithMetadata<O>[]> {
    const queue = await this.boss.getQueue(name);
    if (!queue) throw new JobsConfigurationError(UNKNOWN_QUEUE(name));
    const schema = schemaIdentifier(this.schema);
    const table = `${schema}.${quoteIdent(queue.table)}`;
    const db = options.db ?? this.boss.getDb();
    let after: { id: string; createdOn: string } | undefined;
    if (options.after !== undefined) {
      const { rows } = await db.executeSql(findJobsAnchor(table), [name, options.after]);
      const anchor = rows[0] as { createdOn: string } | undefined;
      if (!anchor) {
        throw new JobValidationError(INVALID_LOOKUP_OPTION('findJobs', name, PAGE_ANCHOR_GONE(options.after)), name);
      }
      after = { id: options.after, createdOn: anchor.createdOn };
    }
    const { text, values } = findJobsByState(schema, table, name, {
      states: typeof options.state === 'string' ? [options.state] : [...(options.state ?? [])],
      id: options.id,
      key: options.key,
      data: options.data,
      after,
      limit: options.limit ?? DEFAULT_FIND_LIMIT,
    });
    const { rows } = await db.executeSql(text, values);
    return rows as JobWithMetadata<O>[];
  }

  // The job table lives in the queue's own partition or the shared one; pg-boss reports which.
  // Identifiers are quoted; the schema is written as pg-boss writes it (see schemaIdentifier).
  private async countByState(queue: QueueResult): Promise<Record<string, number>> {
    const { rows } = await this.boss
      .getDb()
      .executeSql(
        `SELECT state, count(*)::int AS n FROM ${schemaIdentifier(this.schema)}.${quoteIdent(queue.table)} WHERE name = $1 GROUP BY state`,
        [queue.name],
      );
    return Object.fromEntries(rows.map((r: { state: string; n: number }) => [r.state, r.n]));
  }
}

/**
 * Gives pg-boss's errors for bad input a name and a queue: a missing queue becomes a
 * `JobsConfigurationError` saying how to declare it, and pg-boss's bare assertions (options it
 * refuses) a `JobValidationError` naming the call and the queue. Anything else passes unchanged.
 */
function rethrow(error: unknown, queue: string, method: string): never {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') {
    const missing = /^Queue (.+) does not exist$/.exec(message);
    if (missing) throw new JobsConfigurationError(UNKNOWN_QUEUE(missing[1]!), { cause: error });
    if ((error as Error).name === 'AssertionError') {
      throw new JobValidationError(INVALID_SEND_OPTION(method, queue, describeText(message, 500)), queue);
    }
  }
  // A value PostgreSQL cannot store or index (a \u0000 in a payload): the caller's input, not a fault.
  const refused = refusedValues(error);
  if (refused) {
    const validation = new JobValidationError(VALUES_REFUSED_BY_DATABASE(method, queue, refused), queue);
    validation.cause = error;
    throw validation;
  }
  throw error;
}

/**
 * {@link rethrow} for the calls that read or change stored jobs: a missing queue becomes a
 * `JobsConfigurationError`, and pg-boss's assertions a `JobValidationError` naming the call, the
 * queue and the option (a findJobs page anchor, `after`, that names a job deleted since: a
 * listing that outlived retention). Anything else passes unchanged.
 */
function rethrowLookup(error: unknown, queue: string, method: string, options?: { after?: unknown }): never {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') {
    const missing = /^Queue (.+) does not exist$/.exec(message);
    if (missing) throw new JobsConfigurationError(UNKNOWN_QUEUE(missing[1]!), { cause: error });
    if ((error as Error).name === 'AssertionError') {
      const problem = /\bafter names a row that no longer exists\b/.test(message)
        ? PAGE_ANCHOR_GONE(options?.after)
        : describeText(message, 500);
      throw new JobValidationError(INVALID_LOOKUP_OPTION(method, queue, problem), queue);
    }
  }
  throw error;
}

/** The module's send options as pg-boss takes them: `startAfter` resolved, throttle/debounce as singleton slots. */
function toSendOptions(options: SendJobOptions): SendOptions {
  const { throttle, debounce, startAfter, ...rest } = options;
  const send: SendOptions = { ...rest };
  // Validated already: parsed and bounded here, so PostgreSQL never parses a date string itself.
  if (startAfter !== undefined) send.startAfter = resolveStartAfter(startAfter);
  const period = throttle ?? debounce;
  if (period) {
    send.singletonSeconds = period.seconds;
    if (period.key) send.singletonKey = period.key;
    if (debounce) send.singletonNextSlot = true;
  }
  return send;
}
