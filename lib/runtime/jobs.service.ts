import { Inject, Injectable, Optional } from '@nestjs/common';
import type {
  FindJobsOptions,
  FlowJob,
  JobWithMetadata,
  PgBoss,
  QueueResult,
  RedriveOptions,
  SendOptions,
} from 'pg-boss';
import type { Observable } from 'rxjs';
import { PG_BOSS, PG_BOSS_HANDLE } from '../module/jobs.constants.js';
import { JOBS_MODULE_OPTIONS } from '../module/jobs.module-definition.js';
import type { BossHandle } from '../backend/pg-boss/pg-boss.factory.js';
import { JobsRegistry } from './jobs.registry.js';
import { JobEventsBus } from './job-events.bus.js';
import { SendCoalescer } from '../backend/pg-boss/send.coalescer.js';
import type { StatisticsRefresher } from '../backend/pg-boss/statistics.refresher.js';
import { resolveStartAfter } from './validate-send-options.util.js';
import { refusedValues } from '../backend/pg-boss/database-error.util.js';
import { schemaIdentifier, quoteIdent } from '../backend/pg-boss/sql-identifier.util.js';
import { SendChecks } from './send-checks.js';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { JobValidationError } from '../errors/job-validation.error.js';
import { JobAbortedError } from '../errors/job-aborted.error.js';
import {
  INVALID_LOOKUP_OPTION,
  JOB_CANCELLED,
  INVALID_SEND_OPTION,
  NO_DEAD_LETTER_QUEUE,
  PAGE_ANCHOR_GONE,
  UNKNOWN_QUEUE,
  VALUES_REFUSED_BY_DATABASE,
} from '../errors/jobs.messages.js';
import { describeText } from '../utils/describe-value.util.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import type { JobEvent } from '../interfaces/job-event.interface.js';
import type {
  JobsDb,
  ScheduleJobOptions,
  SendJobOptions,
  SendManyJobOptions,
  TransactionOptions,
} from '../interfaces/send-options.interface.js';
import type { QueueCounts } from '../interfaces/queue-counts.interface.js';
import type { FlowStep } from '../interfaces/flow-step.interface.js';
import type { AnyDefinition } from '../utils/queue-name.util.js';

type Definition<I> = JobDefinition<I, any>;

/**
 * The runtime API: send jobs, schedule, cancel, retry, inspect queues and dead letters. Inject it
 * anywhere once `JobsModule` is imported. Payloads are checked against the definition's type at
 * compile time and against its schema at run time, before anything reaches the database.
 */
@Injectable()
export class JobsService {
  private readonly coalescer: SendCoalescer;
  /** Where sends without a `db` of their own run (named statements on pg-boss's pool), if anywhere. */
  private readonly sendDb: JobsDb | undefined;
  private readonly statistics: StatisticsRefresher | undefined;
  /** Everything checked before pg-boss is called; the testing kit runs the same checks. */
  private readonly checks: SendChecks;

  constructor(
    @Inject(PG_BOSS) private readonly pgBoss: PgBoss,
    private readonly registry: JobsRegistry,
    private readonly bus: JobEventsBus,
    @Optional() @Inject(JOBS_MODULE_OPTIONS) options?: JobsModuleOptions,
    @Optional() @Inject(PG_BOSS_HANDLE) handle?: BossHandle,
  ) {
    this.sendDb = handle?.sendDb;
    this.statistics = handle?.statistics;
    this.coalescer = new SendCoalescer(pgBoss, this.sendDb);
    this.checks = new SendChecks(options, {
      // Complete once handlersResolved: the payload methods wait for that before they get here.
      handlers: () => this.registry.handlers,
      previewSchedule: (expression, tz, count) => this.pgBoss.previewSchedule(expression, { tz, count }),
      // Asked only for a per-send deadLetter this app does not declare.
      queues: () => this.pgBoss.getQueues(),
    });
  }

  /** The underlying pg-boss instance, for anything this service does not wrap. */
  get boss(): PgBoss {
    return this.pgBoss;
  }

  /** Lifecycle events (started, completed, failed, retried, dead-lettered) of jobs run in this instance. */
  get events$(): Observable<JobEvent> {
    return this.bus.events$;
  }

  /**
   * Sends one job. Resolves with its id, or `null` when a `singletonKey`, throttle or debounce
   * suppressed it. Rejects with `JobValidationError` for an invalid payload, writing nothing.
   * Resolves once the job is committed. Concurrent sends to one queue (without `db`) share one
   * INSERT and one commit; each caller still gets its own id, `null` or error.
   *
   * @example
   * await jobs.send(WelcomeEmail, { userId }, { priority: 10, startAfter: 30 });
   */
  async send<I>(definition: Definition<I>, data: NoInfer<I>, options?: SendJobOptions): Promise<string | null>;
  async send(name: string, data?: object | null, options?: SendJobOptions): Promise<string | null>;
  async send(definition: AnyDefinition, data?: unknown, options: SendJobOptions = {}): Promise<string | null> {
    await this.registry.whenResolved(definition);
    const def = this.checks.definition(definition, 'send');
    await this.checks.checkSend(def, data, options);
    await this.registry.whenRunning();
    await this.checks.checkDeadLetter('send', def, options.deadLetter);
    const payload = (data ?? null) as object | null;
    // A send in the caller's transaction must stay a statement of that transaction.
    const sent = options.db
      ? this.pgBoss.send(def.name, payload, toSendOptions(options))
      : this.coalescer.send(def.name, payload, toSendOptions(options));
    return sent.then(
      (id) => {
        if (id !== null) this.statistics?.recordInserts(def.name, 1);
        return id;
      },
      (error: unknown) => rethrow(error, def.name, 'send'),
    );
  }

  /**
   * Sends many jobs of one definition in a single statement. Every payload is validated first: one
   * invalid payload rejects the whole call and nothing is written. Resolves with the new ids.
   * Pass `{ db }` to insert them inside the application's transaction.
   */
  async sendMany<I>(
    definition: Definition<I>,
    jobs: ReadonlyArray<{ data: NoInfer<I>; options?: SendManyJobOptions }>,
    options?: TransactionOptions,
  ): Promise<string[]>;
  async sendMany(
    definition: string,
    jobs: ReadonlyArray<{ data: object; options?: SendManyJobOptions }>,
    options?: TransactionOptions,
  ): Promise<string[]>;
  async sendMany(
    definition: AnyDefinition,
    jobs: ReadonlyArray<{ data: unknown; options?: SendManyJobOptions }>,
    options: TransactionOptions = {},
  ): Promise<string[]> {
    await this.registry.whenResolved(definition);
    const def = this.checks.definition(definition, 'sendMany');
    await this.checks.checkSendMany(def, jobs, options);
    await this.registry.whenRunning();
    await this.checks.checkSendManyDeadLetters(def, jobs);
    if (jobs.length === 0) return [];
    const db = options.db ?? this.sendDb;
    const ids = await this.pgBoss
      .insert(
        def.name,
        jobs.map((job) => ({ ...toSendOptions(job.options ?? {}), data: (job.data ?? undefined) as object })),
        { returnId: true, ...(db ? { db } : {}) },
      )
      .catch((error: unknown) => rethrow(error, def.name, 'sendMany'));
    this.statistics?.recordInserts(def.name, ids?.length ?? jobs.length);
    return ids ?? [];
  }

  /**
   * Sends a set of jobs that depend on each other, atomically: a step runs only after every step in
   * its `dependsOn` has completed. Every payload is validated first; one invalid payload rejects
   * the whole flow and nothing is written. Resolves with the job id of each step, by `ref`.
   * Pass `{ db }` to insert the flow inside the application's transaction.
   *
   * A step whose dependency fails (after its retries) or is cancelled keeps waiting: pg-boss never
   * starts it and never fails it. Retry or redrive the failed step to let the flow go on.
   */
  async flow(steps: ReadonlyArray<FlowStep<any>>, options: TransactionOptions = {}): Promise<Record<string, string>> {
    this.checks.checkFlowSteps(steps);
    await this.registry.whenResolved(...steps.map((step) => step.definition));
    const defs = await this.checks.checkFlow(steps, options);
    const { db } = options;
    const jobs: FlowJob[] = steps.map((step, i) => ({
      ref: step.ref,
      name: defs[i]!.name,
      data: (step.data ?? undefined) as object | undefined,
      options: toSendOptions(step.options ?? {}) as FlowJob['options'],
      ...(step.dependsOn ? { dependsOn: [...step.dependsOn] } : {}),
    }));
    await this.registry.whenRunning();
    await this.checks.checkFlowDeadLetters(steps, defs);
    const ids = await this.pgBoss
      .flow(jobs, db ? { db } : {})
      .catch((error: unknown) => rethrow(error, jobs.map((job) => job.name).join(', '), 'flow'));
    for (const job of jobs) this.statistics?.recordInserts(job.name, 1);
    return ids;
  }

  /**
   * Schedules a job on a cron expression at runtime, once per tick across the cluster. Unlike
   * `@Recurring`, a runtime schedule stays until `unschedule` removes it.
   */
  async schedule<I>(definition: Definition<I>, cron: string, data?: NoInfer<I>, options?: ScheduleJobOptions): Promise<void>;
  async schedule(definition: string, cron: string, data?: object, options?: ScheduleJobOptions): Promise<void>;
  async schedule(definition: AnyDefinition, cron: string, data?: unknown, options: ScheduleJobOptions = {}): Promise<void> {
    await this.registry.whenResolved(definition);
    const def = this.checks.definition(definition, 'schedule');
    await this.checks.checkSchedule(def, cron, data, options);
    const { tz, key, ...send } = options;
    await this.registry.whenRunning();
    await this.checks.checkDeadLetter('schedule', def, send.deadLetter);
    // pg-boss reports a missing queue here only as a foreign-key violation from the database.
    if (!(await this.pgBoss.getQueue(def.name))) throw new JobsConfigurationError(UNKNOWN_QUEUE(def.name));
    await this.pgBoss
      .schedule(def.name, cron, (data ?? null) as object | null, {
        ...toSendOptions(send),
        ...(tz ? { tz } : {}),
        ...(key ? { key } : {}),
      })
      .catch((error: unknown) => rethrow(error, def.name, 'schedule'));
  }

  /** Removes a runtime schedule (the one with `key`, or the queue's default schedule). */
  async unschedule(definition: AnyDefinition, key?: string): Promise<void> {
    const name = this.checks.checkUnschedule(definition, key);
    await this.registry.whenRunning();
    await this.pgBoss.unschedule(name, key);
  }

  /**
   * Cancels jobs. A job running in this instance has its `signal` aborted at once; in other
   * instances it is aborted at their next heartbeat when the queue has `heartbeatSeconds`. The
   * signal's reason is a `JobAbortedError` with `code: 'cancelled'`.
   */
  async cancel(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    const name = this.checks.queueName(definition, 'cancel');
    const list = this.checks.checkJobIds('cancel', name, ids);
    await this.registry.whenRunning();
    await this.pgBoss.cancel(name, list).catch((error: unknown) => rethrowLookup(error, name, 'cancel'));
    const runner = this.registry.runner(name);
    for (const id of list) runner?.abort(id, new JobAbortedError('cancelled', name, id, JOB_CANCELLED(name, id)));
  }

  /** Puts cancelled jobs back in the queue. */
  async resume(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    const name = this.checks.queueName(definition, 'resume');
    const list = this.checks.checkJobIds('resume', name, ids);
    await this.registry.whenRunning();
    await this.pgBoss.resume(name, list).catch((error: unknown) => rethrowLookup(error, name, 'resume'));
  }

  /** Retries failed jobs now. */
  async retry(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    const name = this.checks.queueName(definition, 'retry');
    const list = this.checks.checkJobIds('retry', name, ids);
    await this.registry.whenRunning();
    await this.pgBoss.retry(name, list).catch((error: unknown) => rethrowLookup(error, name, 'retry'));
  }

  /** One job by id, with its state and output, or `null`. Rejects an id that is not a uuid. */
  async getJob<O>(definition: JobDefinition<any, O> | string, id: string): Promise<JobWithMetadata<O> | null> {
    const name = this.checks.queueName(definition, 'getJob');
    this.checks.checkJobIds('getJob', name, id);
    const [job] = await this.findJobs<O>(definition, { id });
    return job ?? null;
  }

  /** Jobs by id, singleton key or payload match (pg-boss `findJobs`). */
  async findJobs<O>(definition: JobDefinition<any, O> | string, options: FindJobsOptions = {}): Promise<JobWithMetadata<O>[]> {
    const name = this.checks.queueName(definition, 'findJobs');
    this.checks.checkFindOptions('findJobs', name, options);
    await this.registry.whenRunning();
    return this.pgBoss.findJobs<O>(name, options).catch((error: unknown) => rethrowLookup(error, name, 'findJobs', options));
  }

  /** The queue with its options and pg-boss's cached counts. */
  async getQueue(definition: AnyDefinition): Promise<QueueResult | null> {
    const name = this.checks.queueName(definition, 'getQueue');
    await this.registry.whenRunning();
    return this.pgBoss.getQueue(name);
  }

  /** Exact job counts per state for a queue, counted now, plus its dead-letter backlog. */
  async getQueueCounts(definition: AnyDefinition): Promise<QueueCounts> {
    const name = this.checks.queueName(definition, 'getQueueCounts');
    await this.registry.whenRunning();
    const queue = await this.pgBoss.getQueue(name);
    if (!queue) throw new JobsConfigurationError(UNKNOWN_QUEUE(name));
    const counts = await this.countByState(queue);
    const dead = queue.deadLetter
      ? await this.pgBoss.getQueue(queue.deadLetter).then((q) => (q ? this.countByState(q) : undefined))
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

  /** Jobs waiting in the queue's dead-letter queue, oldest first. */
  async getDeadLetters<O>(
    definition: JobDefinition<any, O> | string,
    options: Omit<FindJobsOptions, 'queued'> = {},
  ): Promise<JobWithMetadata<O>[]> {
    const name = this.checks.queueName(definition, 'getDeadLetters');
    this.checks.checkFindOptions('getDeadLetters', name, options);
    const dlq = await this.deadLetterOf(name);
    return this.pgBoss
      .findJobs<O>(dlq, { ...options, queued: true })
      .catch((error: unknown) => rethrowLookup(error, name, 'getDeadLetters', options));
  }

  /**
   * Moves dead-lettered jobs of this definition back to its queue (all of them by default, up to
   * `limit`). Resolves with the number moved.
   */
  async redrive(definition: AnyDefinition, options: RedriveOptions = {}): Promise<number> {
    const name = this.checks.queueName(definition, 'redrive');
    this.checks.checkRedriveOptions(name, options);
    const dlq = await this.deadLetterOf(name);
    return this.pgBoss
      .redrive(dlq, { sourceName: name, ...options })
      .catch((error: unknown) => rethrowLookup(error, name, 'redrive'));
  }

  private async deadLetterOf(name: string): Promise<string> {
    await this.registry.whenRunning();
    const queue = await this.pgBoss.getQueue(name);
    if (!queue) throw new JobsConfigurationError(UNKNOWN_QUEUE(name));
    if (!queue.deadLetter) {
      throw new JobsConfigurationError(NO_DEAD_LETTER_QUEUE(name));
    }
    return queue.deadLetter;
  }

  // The job table lives in the queue's own partition or the shared one; pg-boss reports which.
  // Identifiers are quoted; the schema is written as pg-boss writes it (see schemaIdentifier).
  private async countByState(queue: QueueResult): Promise<Record<string, number>> {
    const schema = this.registry.schema;
    const { rows } = await this.pgBoss
      .getDb()
      .executeSql(
        `SELECT state, count(*)::int AS n FROM ${schemaIdentifier(schema)}.${quoteIdent(queue.table)} WHERE name = $1 GROUP BY state`,
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
