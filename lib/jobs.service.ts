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
import { isRecurringScheduleKey, PG_BOSS, PG_BOSS_HANDLE } from './jobs.constants.js';
import { JOBS_MODULE_OPTIONS } from './jobs.module-definition.js';
import type { BossHandle } from './pg-boss.factory.js';
import { JobsOrchestrator } from './jobs.orchestrator.js';
import { JobEventsBus } from './job-events.bus.js';
import { SendCoalescer } from './send.coalescer.js';
import type { StatisticsRefresher } from './statistics.refresher.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, validatePayload } from './utils/validate-payload.util.js';
import { assertQueueName } from './utils/validate-options.util.js';
import { isJobId, resolveStartAfter, validateSendOptions } from './utils/validate-send-options.util.js';
import { validateFindOptions, validateRedriveOptions } from './utils/validate-find-options.util.js';
import { refusedValues } from './utils/database-error.util.js';
import { assertScheduleExpression } from './utils/validate-schedule.util.js';
import { schemaIdentifier, quoteIdent } from './utils/sql-identifier.util.js';
import { JobsConfigurationError } from './errors/jobs-configuration.error.js';
import { JobValidationError } from './errors/job-validation.error.js';
import { JobAbortedError } from './errors/job-aborted.error.js';
import {
  DEAD_LETTER_NOT_DECLARED,
  INVALID_JOB_ID,
  INVALID_LOOKUP_OPTION,
  INVALID_SCHEDULE,
  JOB_CANCELLED,
  INVALID_SEND_OPTION,
  NO_DEAD_LETTER_QUEUE,
  NO_JOB_IDS,
  PAGE_ANCHOR_GONE,
  RESERVED_SCHEDULE_KEY,
  show,
  UNKNOWN_QUEUE,
  VALUES_REFUSED_BY_DATABASE,
} from './jobs.messages.js';
import { describeText } from './utils/describe-value.util.js';
import type { JobsModuleOptions } from './interfaces/jobs-module-options.interface.js';
import type { JobDefinition } from './interfaces/job-definition.interface.js';
import type { JobEvent } from './interfaces/job-event.interface.js';
import type {
  JobsDb,
  ScheduleJobOptions,
  SendJobOptions,
  SendManyJobOptions,
  TransactionOptions,
} from './interfaces/send-options.interface.js';
import type { QueueCounts } from './interfaces/queue-counts.interface.js';
import type { FlowStep } from './interfaces/flow-step.interface.js';
import type { AnyDefinition } from './utils/queue-name.util.js';

type Definition<I> = JobDefinition<I, any>;

/**
 * The runtime API: send jobs, schedule, cancel, retry, inspect queues and dead letters. Inject it
 * anywhere once `JobsModule` is imported. Payloads are checked against the definition's type at
 * compile time and against its schema at run time, before anything reaches the database.
 */
@Injectable()
export class JobsService {
  private readonly coalescer: SendCoalescer;
  private readonly maxPayloadBytes: number;
  /** Where sends without a `db` of their own run (named statements on pg-boss's pool), if anywhere. */
  private readonly sendDb: JobsDb | undefined;
  private readonly statistics: StatisticsRefresher | undefined;
  private readonly options: JobsModuleOptions | undefined;
  /** Dead-letter queues declared in this app, collected on first use after readiness. */
  private deadLetters: ReadonlySet<string> | undefined;

  constructor(
    @Inject(PG_BOSS) private readonly pgBoss: PgBoss,
    private readonly orchestrator: JobsOrchestrator,
    private readonly bus: JobEventsBus,
    @Optional() @Inject(JOBS_MODULE_OPTIONS) options?: JobsModuleOptions,
    @Optional() @Inject(PG_BOSS_HANDLE) handle?: BossHandle,
  ) {
    this.sendDb = handle?.sendDb;
    this.statistics = handle?.statistics;
    this.coalescer = new SendCoalescer(pgBoss, this.sendDb);
    this.maxPayloadBytes = options?.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.options = options;
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
    if (typeof definition === 'string' && !this.orchestrator.handlersResolved) await this.orchestrator.ready;
    const def = this.definition(definition, 'send');
    validateSendOptions('send', def.name, options);
    await validatePayload(def, data, { maxBytes: this.maxPayloadBytes });
    await this.orchestrator.ready;
    if (options.deadLetter !== undefined) await this.assertDeadLetter('send', def, options.deadLetter);
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
    if (typeof definition === 'string' && !this.orchestrator.handlersResolved) await this.orchestrator.ready;
    const def = this.definition(definition, 'sendMany');
    if (!Array.isArray(jobs)) {
      throw new JobValidationError(
        INVALID_SEND_OPTION('sendMany', def.name, 'jobs must be an array of { data, options? }'),
        def.name,
      );
    }
    validateSendOptions('transaction', def.name, options);
    jobs.forEach((job, i) => {
      if (typeof job !== 'object' || job === null) {
        throw new JobValidationError(
          INVALID_SEND_OPTION('sendMany', def.name, `jobs[${i}] must be { data, options? }`),
          def.name,
        );
      }
      validateSendOptions('sendMany', def.name, job.options, `jobs[${i}]`);
    });
    await Promise.all(
      jobs.map((job, i) => validatePayload(def, job.data, { maxBytes: this.maxPayloadBytes, label: `sendMany jobs[${i}]` })),
    );
    await this.orchestrator.ready;
    // Each distinct target once: a target this app does not declare costs a look at the database.
    const checked = new Set<string>();
    for (const [i, job] of jobs.entries()) {
      const target = job.options?.deadLetter;
      if (target === undefined || checked.has(target)) continue;
      await this.assertDeadLetter(`sendMany (jobs[${i}])`, def, target);
      checked.add(target);
    }
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
    if (!Array.isArray(steps) || steps.some((step) => typeof step !== 'object' || step === null)) {
      throw new JobValidationError(
        INVALID_SEND_OPTION('flow', '(flow)', 'steps must be an array of flowStep(ref, Definition, data, options)'),
        '',
      );
    }
    assertFlowRefs(steps);
    if (!this.orchestrator.handlersResolved && steps.some((step) => typeof step.definition === 'string')) {
      await this.orchestrator.ready;
    }
    const defs = steps.map((step, i) => {
      const def = this.definition(step.definition, 'flow');
      validateSendOptions('flow', def.name, step.options, `step ${show(step.ref ?? i)}`);
      return def;
    });
    validateSendOptions('transaction', defs[0]?.name ?? '(flow)', options);
    const { db } = options;
    const jobs: FlowJob[] = await Promise.all(
      steps.map(async (step, i) => {
        const def = defs[i]!;
        await validatePayload(def, step.data, { maxBytes: this.maxPayloadBytes, label: `flow step ${show(step.ref)}` });
        return {
          ref: step.ref,
          name: def.name,
          data: (step.data ?? undefined) as object | undefined,
          options: toSendOptions(step.options ?? {}) as FlowJob['options'],
          ...(step.dependsOn ? { dependsOn: [...step.dependsOn] } : {}),
        };
      }),
    );
    await this.orchestrator.ready;
    for (const [i, step] of steps.entries()) {
      const deadLetter = step.options?.deadLetter;
      if (deadLetter !== undefined) await this.assertDeadLetter(`flow (step ${show(step.ref)})`, defs[i]!, deadLetter);
    }
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
    if (typeof definition === 'string' && !this.orchestrator.handlersResolved) await this.orchestrator.ready;
    const def = this.definition(definition, 'schedule');
    validateSendOptions('schedule', def.name, options);
    const { tz, key, ...send } = options;
    if (key !== undefined && isRecurringScheduleKey(key)) {
      throw new JobValidationError(INVALID_SCHEDULE(def.name, RESERVED_SCHEDULE_KEY(key)), def.name);
    }
    assertScheduleExpression(def.name, cron, tz, (expression, zone, count) =>
      this.pgBoss.previewSchedule(expression, { tz: zone, count }),
    );
    await validatePayload(def, data, { maxBytes: this.maxPayloadBytes });
    await this.orchestrator.ready;
    if (send.deadLetter !== undefined) await this.assertDeadLetter('schedule', def, send.deadLetter);
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
    const name = this.queueName(definition, 'unschedule');
    if (key !== undefined) validateSendOptions('schedule', name, { key });
    await this.orchestrator.ready;
    await this.pgBoss.unschedule(name, key);
  }

  /**
   * Cancels jobs. A job running in this instance has its `signal` aborted at once; in other
   * instances it is aborted at their next heartbeat when the queue has `heartbeatSeconds`. The
   * signal's reason is a `JobAbortedError` with `code: 'cancelled'`.
   */
  async cancel(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    const name = this.queueName(definition, 'cancel');
    const list = jobIds('cancel', name, ids);
    await this.orchestrator.ready;
    await this.pgBoss.cancel(name, list).catch((error: unknown) => rethrowLookup(error, name, 'cancel'));
    const runner = this.orchestrator.runner(name);
    for (const id of list) runner?.abort(id, new JobAbortedError('cancelled', name, id, JOB_CANCELLED(name, id)));
  }

  /** Puts cancelled jobs back in the queue. */
  async resume(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    const name = this.queueName(definition, 'resume');
    const list = jobIds('resume', name, ids);
    await this.orchestrator.ready;
    await this.pgBoss.resume(name, list).catch((error: unknown) => rethrowLookup(error, name, 'resume'));
  }

  /** Retries failed jobs now. */
  async retry(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    const name = this.queueName(definition, 'retry');
    const list = jobIds('retry', name, ids);
    await this.orchestrator.ready;
    await this.pgBoss.retry(name, list).catch((error: unknown) => rethrowLookup(error, name, 'retry'));
  }

  /** One job by id, with its state and output, or `null`. Rejects an id that is not a uuid. */
  async getJob<O>(definition: JobDefinition<any, O> | string, id: string): Promise<JobWithMetadata<O> | null> {
    const name = this.queueName(definition, 'getJob');
    jobIds('getJob', name, id);
    const [job] = await this.findJobs<O>(definition, { id });
    return job ?? null;
  }

  /** Jobs by id, singleton key or payload match (pg-boss `findJobs`). */
  async findJobs<O>(definition: JobDefinition<any, O> | string, options: FindJobsOptions = {}): Promise<JobWithMetadata<O>[]> {
    const name = this.queueName(definition, 'findJobs');
    validateFindOptions('findJobs', name, options, this.maxPayloadBytes);
    await this.orchestrator.ready;
    return this.pgBoss.findJobs<O>(name, options).catch((error: unknown) => rethrowLookup(error, name, 'findJobs', options));
  }

  /** The queue with its options and pg-boss's cached counts. */
  async getQueue(definition: AnyDefinition): Promise<QueueResult | null> {
    const name = this.queueName(definition, 'getQueue');
    await this.orchestrator.ready;
    return this.pgBoss.getQueue(name);
  }

  /** Exact job counts per state for a queue, counted now, plus its dead-letter backlog. */
  async getQueueCounts(definition: AnyDefinition): Promise<QueueCounts> {
    const name = this.queueName(definition, 'getQueueCounts');
    await this.orchestrator.ready;
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
    const name = this.queueName(definition, 'getDeadLetters');
    validateFindOptions('getDeadLetters', name, options, this.maxPayloadBytes);
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
    const name = this.queueName(definition, 'redrive');
    validateRedriveOptions(name, options, this.maxPayloadBytes);
    const dlq = await this.deadLetterOf(name);
    return this.pgBoss
      .redrive(dlq, { sourceName: name, ...options })
      .catch((error: unknown) => rethrowLookup(error, name, 'redrive'));
  }

  /**
   * A per-job `deadLetter` may name the queue's own dead-letter queue or a queue that some
   * definition declares as its dead-letter queue, never an ordinary queue: pg-boss copies a job
   * that failed for good into that queue as it is, and its handler would receive a payload that
   * was never checked against its definition. Runs only for sends that set the option; the
   * database is asked only when this app's declarations do not settle it.
   */
  private async assertDeadLetter(method: string, def: JobDefinition<unknown, unknown>, target: string): Promise<void> {
    const own = def.options?.deadLetter;
    if (target === own || this.declaredDeadLetters().has(target)) return;
    const queues = await this.pgBoss.getQueues();
    if (queues.some((queue) => queue.deadLetter === target)) return;
    const ownInDb = own ?? queues.find((queue) => queue.name === def.name)?.deadLetter ?? undefined;
    throw new JobValidationError(
      INVALID_SEND_OPTION(method, def.name, DEAD_LETTER_NOT_DECLARED(def.name, target, ownInDb)),
      def.name,
    );
  }

  /** The dead-letter queues this app's handlers, `queues` and `queueDefaults` declare. */
  private declaredDeadLetters(): ReadonlySet<string> {
    if (this.deadLetters) return this.deadLetters;
    const declared = new Set<string>();
    const add = (name: unknown) => typeof name === 'string' && declared.add(name);
    for (const handler of this.orchestrator.registeredHandlers) add(handler.queueOptions.deadLetter);
    for (const definition of this.options?.queues ?? []) add(definition.options?.deadLetter);
    add(this.options?.queueDefaults?.deadLetter);
    // Read after readiness only, when the registry is complete.
    this.deadLetters = declared;
    return declared;
  }

  private async deadLetterOf(name: string): Promise<string> {
    await this.orchestrator.ready;
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
    const schema = this.orchestrator.schema;
    const { rows } = await this.pgBoss
      .getDb()
      .executeSql(
        `SELECT state, count(*)::int AS n FROM ${schemaIdentifier(schema)}.${quoteIdent(queue.table)} WHERE name = $1 GROUP BY state`,
        [queue.name],
      );
    return Object.fromEntries(rows.map((r: { state: string; n: number }) => [r.state, r.n]));
  }

  private queueName(definition: AnyDefinition, method: string): string {
    return this.definition(definition, method).name;
  }

  private definition(definition: AnyDefinition, method: string): JobDefinition<unknown, unknown> {
    const owner = `JobsService.${method}`;
    if (typeof definition === 'string') {
      assertQueueName(definition, owner);
      // Complete once handlersResolved: the payload methods wait for that before they get here.
      return this.orchestrator.registeredHandlers.find((h) => h.queue === definition)?.definition ?? {
        name: definition,
        options: {},
      };
    }
    if (typeof definition !== 'object' || definition === null) {
      throw new JobsConfigurationError(
        `${owner} takes a job definition (defineJob('name', ...)) or a queue name, got ${definition === null ? 'null' : typeof definition}.`,
      );
    }
    // A hand-made { name } object skips defineJob's check; its name still reaches pg-boss.
    assertQueueName(definition.name, owner);
    return definition;
  }
}

function jobIds(method: string, queue: string, ids: unknown): string[] {
  const list = Array.isArray(ids) ? ids : [ids];
  if (list.length === 0) {
    throw new JobValidationError(NO_JOB_IDS(method, queue), queue);
  }
  for (const id of list) {
    if (!isJobId(id)) throw new JobValidationError(INVALID_JOB_ID(method, queue, id), queue);
  }
  return list as string[];
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

/**
 * Flow refs name steps in `dependsOn` and key the result: each must be a distinct non-empty string,
 * and not `__proto__`, which as a key of the result object would set its prototype instead of
 * holding an id (pg-boss keys its own ref table the same way).
 */
function assertFlowRefs(steps: ReadonlyArray<FlowStep<any>>): void {
  const seen = new Set<string>();
  for (const [i, step] of steps.entries()) {
    const ref: unknown = step.ref;
    const problem =
      typeof ref !== 'string' || ref.length === 0
        ? `step ${i} ref must be a non-empty string, got ${show(ref)}`
        : ref === '__proto__'
          ? `step ${i} ref "__proto__" cannot name a step (it is the prototype of the result object); choose another ref`
          : seen.has(ref)
            ? `steps share the ref ${show(ref)}; give each step its own ref`
            : undefined;
    if (problem) throw new JobValidationError(INVALID_SEND_OPTION('flow', '(flow)', problem), '');
    seen.add(ref as string);
  }
}
