import { Inject, Injectable } from '@nestjs/common';
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
import { PG_BOSS } from './jobs.constants.js';
import { JobsOrchestrator } from './jobs.orchestrator.js';
import { JobEventsBus } from './job-events.bus.js';
import { SendCoalescer } from './send.coalescer.js';
import { validatePayload } from './utils/validate-payload.util.js';
import { assertQueueName } from './utils/validate-options.util.js';
import { JobsConfigurationError } from './errors/jobs-configuration.error.js';
import { NO_DEAD_LETTER_QUEUE, UNKNOWN_QUEUE } from './jobs.messages.js';
import type { JobDefinition } from './interfaces/job-definition.interface.js';
import type { JobEvent } from './interfaces/job-event.interface.js';
import type {
  ScheduleJobOptions,
  SendJobOptions,
  SendManyJobOptions,
  TransactionOptions,
} from './interfaces/send-options.interface.js';
import type { QueueCounts } from './interfaces/queue-counts.interface.js';
import type { FlowStep } from './interfaces/flow-step.interface.js';
import { queueNameOf as nameOf, type AnyDefinition } from './utils/queue-name.util.js';

type Definition<I> = JobDefinition<I, any>;

/**
 * The runtime API: send jobs, schedule, cancel, retry, inspect queues and dead letters. Inject it
 * anywhere once `JobsModule` is imported. Payloads are checked against the definition's type at
 * compile time and against its schema at run time, before anything reaches the database.
 */
@Injectable()
export class JobsService {
  private readonly coalescer: SendCoalescer;

  constructor(
    @Inject(PG_BOSS) private readonly pgBoss: PgBoss,
    private readonly orchestrator: JobsOrchestrator,
    private readonly bus: JobEventsBus,
  ) {
    this.coalescer = new SendCoalescer(pgBoss);
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
    const def = this.definition(definition);
    await validatePayload(def, data);
    await this.orchestrator.ready;
    const payload = (data ?? null) as object | null;
    // A send in the caller's transaction must stay a statement of that transaction.
    if (options.db) return this.pgBoss.send(def.name, payload, toSendOptions(options));
    return this.coalescer.send(def.name, payload, toSendOptions(options));
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
    { db }: TransactionOptions = {},
  ): Promise<string[]> {
    const def = this.definition(definition);
    await Promise.all(jobs.map((job) => validatePayload(def, job.data)));
    await this.orchestrator.ready;
    if (jobs.length === 0) return [];
    const ids = await this.pgBoss.insert(
      def.name,
      jobs.map((job) => ({ ...toSendOptions(job.options ?? {}), data: (job.data ?? undefined) as object })),
      { returnId: true, ...(db ? { db } : {}) },
    );
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
  async flow(steps: ReadonlyArray<FlowStep<any>>, { db }: TransactionOptions = {}): Promise<Record<string, string>> {
    const jobs: FlowJob[] = await Promise.all(
      steps.map(async (step) => {
        const def = this.definition(step.definition);
        await validatePayload(def, step.data);
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
    return this.pgBoss.flow(jobs, db ? { db } : {});
  }

  /**
   * Schedules a job on a cron expression at runtime, once per tick across the cluster. Unlike
   * `@Recurring`, a runtime schedule stays until `unschedule` removes it.
   */
  async schedule<I>(definition: Definition<I>, cron: string, data?: NoInfer<I>, options?: ScheduleJobOptions): Promise<void>;
  async schedule(definition: string, cron: string, data?: object, options?: ScheduleJobOptions): Promise<void>;
  async schedule(definition: AnyDefinition, cron: string, data?: unknown, options: ScheduleJobOptions = {}): Promise<void> {
    const def = this.definition(definition);
    await validatePayload(def, data);
    await this.orchestrator.ready;
    const { tz, key, ...send } = options;
    await this.pgBoss.schedule(def.name, cron, (data ?? null) as object | null, {
      ...toSendOptions(send),
      ...(tz ? { tz } : {}),
      ...(key ? { key } : {}),
    });
  }

  /** Removes a runtime schedule (the one with `key`, or the queue's default schedule). */
  async unschedule(definition: AnyDefinition, key?: string): Promise<void> {
    await this.orchestrator.ready;
    await this.pgBoss.unschedule(nameOf(definition), key);
  }

  /**
   * Cancels jobs. A job running in this instance has its `signal` aborted at once; in other
   * instances it is aborted at their next heartbeat when the queue has `heartbeatSeconds`.
   */
  async cancel(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    await this.orchestrator.ready;
    const name = nameOf(definition);
    const list = Array.isArray(ids) ? ids : [ids];
    await this.pgBoss.cancel(name, list);
    const runner = this.orchestrator.runner(name);
    for (const id of list) runner?.abort(id, new Error(`job ${id} was cancelled`));
  }

  /** Puts cancelled jobs back in the queue. */
  async resume(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    await this.orchestrator.ready;
    await this.pgBoss.resume(nameOf(definition), ids);
  }

  /** Retries failed jobs now. */
  async retry(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    await this.orchestrator.ready;
    await this.pgBoss.retry(nameOf(definition), ids);
  }

  /** One job by id, with its state and output, or `null`. */
  async getJob<O>(definition: JobDefinition<any, O> | string, id: string): Promise<JobWithMetadata<O> | null> {
    const [job] = await this.findJobs<O>(definition, { id });
    return job ?? null;
  }

  /** Jobs by id, singleton key or payload match (pg-boss `findJobs`). */
  async findJobs<O>(definition: JobDefinition<any, O> | string, options: FindJobsOptions = {}): Promise<JobWithMetadata<O>[]> {
    await this.orchestrator.ready;
    return this.pgBoss.findJobs<O>(nameOf(definition), options);
  }

  /** The queue with its options and pg-boss's cached counts. */
  async getQueue(definition: AnyDefinition): Promise<QueueResult | null> {
    await this.orchestrator.ready;
    return this.pgBoss.getQueue(nameOf(definition));
  }

  /** Exact job counts per state for a queue, counted now, plus its dead-letter backlog. */
  async getQueueCounts(definition: AnyDefinition): Promise<QueueCounts> {
    await this.orchestrator.ready;
    const name = nameOf(definition);
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
    const dlq = await this.deadLetterOf(nameOf(definition));
    return this.pgBoss.findJobs<O>(dlq, { ...options, queued: true });
  }

  /**
   * Moves dead-lettered jobs of this definition back to its queue (all of them by default, up to
   * `limit`). Resolves with the number moved.
   */
  async redrive(definition: AnyDefinition, options: RedriveOptions = {}): Promise<number> {
    const name = nameOf(definition);
    const dlq = await this.deadLetterOf(name);
    return this.pgBoss.redrive(dlq, { sourceName: name, ...options });
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
  private async countByState(queue: QueueResult): Promise<Record<string, number>> {
    const schema = this.orchestrator.schema;
    const { rows } = await this.pgBoss
      .getDb()
      .executeSql(
        `SELECT state, count(*)::int AS n FROM ${quoteIdent(schema)}.${quoteIdent(queue.table)} WHERE name = $1 GROUP BY state`,
        [queue.name],
      );
    return Object.fromEntries(rows.map((r: { state: string; n: number }) => [r.state, r.n]));
  }

  private definition(definition: AnyDefinition): JobDefinition<unknown, unknown> {
    if (typeof definition === 'string') {
      assertQueueName(definition, 'JobsService');
      return this.orchestrator.registeredHandlers.find((h) => h.queue === definition)?.definition ?? {
        name: definition,
        options: {},
      };
    }
    return definition;
  }
}

function quoteIdent(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function toSendOptions(options: SendJobOptions): SendOptions {
  const { throttle, debounce, startAfter, ...rest } = options;
  const send: SendOptions = { ...rest };
  if (startAfter !== undefined) send.startAfter = startAfter;
  const period = throttle ?? debounce;
  if (period) {
    send.singletonSeconds = period.seconds;
    if (period.key) send.singletonKey = period.key;
    if (debounce) send.singletonNextSlot = true;
  }
  return send;
}
