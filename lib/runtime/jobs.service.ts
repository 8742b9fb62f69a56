import { Inject, Injectable, Optional } from '@nestjs/common';
import type { FindJobsOptions as PgBossFindJobsOptions, JobWithMetadata, PgBoss, QueueResult, RedriveOptions } from 'pg-boss';
import { filter, type Observable } from 'rxjs';
import { JOBS_MODULE_OPTIONS } from '../module/jobs.module-definition.js';
import { JOBS_BACKEND, type JobsBackend } from '../backend/jobs-backend.js';
import { JobsRegistry } from './jobs.registry.js';
import { JobEventsBus } from './job-events.bus.js';
import { SendChecks } from './send-checks.js';
import { JobAbortedError } from '../errors/job-aborted.error.js';
import { JOB_CANCELLED } from '../errors/jobs.messages.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import type { EventDefinition } from '../interfaces/event-definition.interface.js';
import type { DrainJobsOptions, DrainJobsResult } from '../interfaces/drain.interface.js';
import type { JobEvent } from '../interfaces/job-event.interface.js';
import type { EventOutput } from '../interfaces/job-result.interface.js';
import type {
  ScheduleJobOptions,
  SendJobOptions,
  SendManyJobOptions,
  TransactionOptions,
} from '../interfaces/send-options.interface.js';
import type { QueueCounts } from '../interfaces/queue-counts.interface.js';
import type { FlowStep } from '../interfaces/flow-step.interface.js';
import type { FindJobsOptions, JobRecord, JobState } from '../interfaces/job-record.interface.js';
import type { AnyDefinition } from '../utils/queue-name.util.js';

type Definition<I> = JobDefinition<I, any>;

/**
 * The runtime API: send jobs, schedule, cancel, retry, inspect queues and dead letters, pause and
 * resume queues. Inject it anywhere once `JobsModule` is imported. Payloads are checked against the
 * definition's type at compile time and against its schema at run time, before anything reaches
 * the database.
 */
@Injectable()
export class JobsService {
  /** Everything checked before the backend is called. */
  private readonly checks: SendChecks;

  constructor(
    /** Where jobs are stored once a call passed its checks: pg-boss, or the testing kit's memory. */
    @Inject(JOBS_BACKEND) private readonly backend: JobsBackend,
    private readonly registry: JobsRegistry,
    private readonly bus: JobEventsBus,
    @Optional() @Inject(JOBS_MODULE_OPTIONS) options?: JobsModuleOptions,
  ) {
    this.checks = new SendChecks(options, {
      // Complete once handlersResolved: the payload methods wait for that before they get here.
      handlers: () => this.registry.handlers,
      previewSchedule: backend.previewSchedule,
      // Asked only for a per-send deadLetter this app does not declare.
      queues: () => this.backend.queues(),
    });
  }

  /** The underlying pg-boss instance, for anything this service does not wrap. */
  get boss(): PgBoss {
    return this.backend.boss;
  }

  /**
   * Lifecycle events (started, progress, completed, failed, retried, dead-lettered) of jobs run in this
   * instance, of every queue: `output` is an untyped `object` here ({@link eventsOf} types it).
   */
  get events$(): Observable<JobEvent> {
    return this.bus.events$;
  }

  /**
   * The events of {@link events$} of one definition's jobs (its queue), with a `completed` event's
   * `output` typed by the definition's result type (`defineJob<TData, TResult>`), as
   * `@OnJobEvent('completed', Def)` types it; an untyped `object` for a definition without one. A
   * queue name gives that queue's events, untyped.
   *
   * @example
   * jobs.eventsOf(Invoice).subscribe((e) => { if (e.type === 'completed') revenue.add(e.output?.total ?? 0); });
   */
  eventsOf<R>(definition: JobDefinition<any, any, R>): Observable<JobEvent<EventOutput<R>>>;
  eventsOf(name: string): Observable<JobEvent>;
  eventsOf(definition: AnyDefinition): Observable<JobEvent> {
    const name = this.checks.queueName(definition, 'eventsOf');
    return this.bus.events$.pipe(filter((event) => event.queue === name));
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
    return this.backend.send(def, (data ?? null) as object | null, options);
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
    return this.backend.sendMany(def, jobs, options.db);
  }

  /**
   * Publishes an event (`defineEvent`): one job with `data` goes to every queue whose handler
   * subscribes to it (`@JobHandler(Def, { subscribe: [Event] })`, kept in the database by the
   * instances that run those handlers), atomically: every subscribed queue gets its job or none does.
   * Pass `{ db }` to publish inside the application's transaction, as with `send`: a rollback takes
   * the jobs back. The payload is checked first (the event's schema, the JSON and size rules of
   * `send`); each queue's handler then validates its job with its own definition. Resolves with the
   * new jobs' ids, one per subscribed queue (none when nothing subscribes, or when a queue's unique
   * policy suppressed its job).
   *
   * @example
   * await this.jobs.publish(UserSignedUp, { userId: user.id }, { db: fromPg(client) });
   */
  async publish<I>(event: EventDefinition<I, any>, data: NoInfer<I>, options: TransactionOptions = {}): Promise<string[]> {
    const checked = this.checks.event(event, 'publish');
    await this.checks.checkPublish(checked, data, options);
    await this.registry.whenRunning();
    return this.backend.publish(checked.name, (data ?? null) as object | null, options.db);
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
    await this.registry.whenRunning();
    await this.checks.checkFlowDeadLetters(steps, defs);
    this.checks.checkFlowGraph(steps, defs);
    return this.backend.flow(steps, defs, options.db);
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
    await this.registry.whenRunning();
    await this.checks.checkDeadLetter('schedule', def, options.deadLetter);
    await this.backend.schedule(def, cron, data, options);
  }

  /** Removes a runtime schedule (the one with `key`, or the queue's default schedule). */
  async unschedule(definition: AnyDefinition, key?: string): Promise<void> {
    const name = this.checks.checkUnschedule(definition, key);
    await this.registry.whenRunning();
    await this.backend.unschedule(name, key);
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
    await this.backend.cancel(name, list);
    const runner = this.registry.runner(name);
    for (const id of list) runner?.abort(id, new JobAbortedError('cancelled', name, id, JOB_CANCELLED(name, id)));
  }

  /** Puts cancelled jobs back in the queue. */
  async resume(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    const name = this.checks.queueName(definition, 'resume');
    const list = this.checks.checkJobIds('resume', name, ids);
    await this.registry.whenRunning();
    await this.backend.resume(name, list);
  }

  /** Retries failed jobs now. */
  async retry(definition: AnyDefinition, ids: string | string[]): Promise<void> {
    const name = this.checks.queueName(definition, 'retry');
    const list = this.checks.checkJobIds('retry', name, ids);
    await this.registry.whenRunning();
    await this.backend.retry(name, list);
  }

  /**
   * One job by id, with its state, output and last reported `progress`, or `null`. Rejects an id that is not a uuid. For a
   * definition with a result type (`defineJob<TData, TResult>`), a completed job's `output` is typed
   * by it (see {@link JobRecord}).
   *
   * @example
   * const job = await jobs.getJob(Invoice, id);
   * if (job?.state === 'completed') console.log(job.output.total);
   */
  async getJob<O, R = unknown>(definition: JobDefinition<any, O, R> | string, id: string): Promise<JobRecord<O, R> | null> {
    const name = this.checks.queueName(definition, 'getJob');
    this.checks.checkJobIds('getJob', name, id);
    await this.registry.whenRunning();
    // The output's type is the definition's promise, as the payload's is (see JobRecord).
    return (await this.backend.getJob<O>(name, id)) as JobRecord<O, R> | null;
  }

  /**
   * Jobs of a definition by id, singleton key, payload match (`data`, matched with `@>`) or state,
   * each with its last reported `progress`, oldest first (by creation, then id), at most `limit` (default 1000), paged with `after` (the id
   * of the last job of the previous page). `state` is one state or a list of them, not combined
   * with `queued`; with it, the result is typed to those states (`{ state: 'completed' }` returns
   * completed jobs, whose `output` is the definition's result type). Invalid options are refused
   * with a `JobValidationError` that says what to change, before anything is read.
   *
   * @example
   * const failed = await jobs.findJobs(Invoice, { state: 'failed', limit: 50 });
   * const next = await jobs.findJobs(Invoice, { state: 'failed', limit: 50, after: failed.at(-1)?.id });
   */
  async findJobs<O, R = unknown, S extends JobState = JobState>(
    definition: JobDefinition<any, O, R> | string,
    options: FindJobsOptions<S> = {},
  ): Promise<JobRecord<O, R, S>[]> {
    const name = this.checks.queueName(definition, 'findJobs');
    this.checks.checkFindOptions('findJobs', name, options);
    await this.registry.whenRunning();
    return (await this.backend.findJobs<O>(name, options)) as JobRecord<O, R, S>[];
  }

  /** The queue with its options and pg-boss's cached counts. */
  async getQueue(definition: AnyDefinition): Promise<QueueResult | null> {
    const name = this.checks.queueName(definition, 'getQueue');
    await this.registry.whenRunning();
    return this.backend.getQueue(name);
  }

  /** Exact job counts per state for a queue, counted now, plus its dead-letter backlog. */
  async getQueueCounts(definition: AnyDefinition): Promise<QueueCounts> {
    const name = this.checks.queueName(definition, 'getQueueCounts');
    await this.registry.whenRunning();
    return this.backend.getQueueCounts(name);
  }

  /** Jobs waiting in the queue's dead-letter queue, oldest first. */
  async getDeadLetters<O>(
    definition: JobDefinition<any, O> | string,
    options: Omit<PgBossFindJobsOptions, 'queued'> = {},
  ): Promise<JobWithMetadata<O>[]> {
    const name = this.checks.queueName(definition, 'getDeadLetters');
    this.checks.checkFindOptions('getDeadLetters', name, options);
    await this.registry.whenRunning();
    return this.backend.getDeadLetters<O>(name, options);
  }

  /**
   * Moves dead-lettered jobs of this definition back to its queue (all of them by default, up to
   * `limit`). Resolves with the number moved.
   */
  async redrive(definition: AnyDefinition, options: RedriveOptions = {}): Promise<number> {
    const name = this.checks.queueName(definition, 'redrive');
    this.checks.checkRedriveOptions(name, options);
    await this.registry.whenRunning();
    return this.backend.redrive(name, options);
  }

  /**
   * Processes what is due in these queues with this app's handlers, then stops: for a scheduled job
   * (Kubernetes CronJob, Cloud Run job) or a function that cannot keep workers running. Meant for an
   * instance with `workers: false`; the queues' handlers run here with their options (concurrency,
   * rate limit...), one job per slot at a time. It stops fetching once nothing is due (waiting jobs
   * whose time has come; not delayed ones, nor flow steps still blocked), once `maxJobs` jobs have
   * started, or after `maxSeconds`, and resolves when every job it started is recorded: jobs running
   * at `maxSeconds` get `shutdownTimeoutMs` to finish, then are aborted and failed back to be
   * retried. No claimed job is left behind.
   *
   * Rejects with a `JobsConfigurationError` for a queue whose workers run in this instance already,
   * one without a handler in this app, or one being drained already. In the testing kit it drains the
   * in-memory queues (`maxJobs` as `maxRuns`; `maxSeconds` is not timed).
   *
   * @example
   * // a Cloud Run job: process the nightly exports, at most 50 s
   * const app = await NestFactory.createApplicationContext(ExportsModule); // JobsModule with workers: false
   * const result = await app.get(JobsService).drain([ExportReport], { maxSeconds: 50 });
   * await app.close(); // result: { started, completed, failed, stoppedBy: 'idle' | 'maxJobs' | 'maxSeconds' }
   */
  async drain(definitions: readonly AnyDefinition[], options: DrainJobsOptions = {}): Promise<DrainJobsResult> {
    const queues = this.checks.checkDrain(definitions, options);
    await this.registry.whenRunning();
    return this.registry.drain(queues, options);
  }

  /**
   * Pauses a queue across the cluster: no instance fetches its jobs until {@link resumeQueue}.
   * Sends keep landing (they wait, queued); jobs already running, and those fetched with them, finish
   * normally. When it resolves, this instance fetches nothing more from the queue; other instances
   * stop within about a second. The pause is stored in the database (pg-boss's schema), so it
   * outlives restarts and deploys: an instance that starts while the queue is paused does not fetch
   * from it. Pausing a paused queue changes nothing. Rejects with a `JobsConfigurationError` for a
   * queue that does not exist.
   *
   * @example
   * await jobs.pauseQueue(WelcomeEmail);   // the mail provider is down
   * await jobs.isQueuePaused(WelcomeEmail); // true
   * await jobs.resumeQueue(WelcomeEmail);  // the backlog runs
   */
  async pauseQueue(definition: AnyDefinition): Promise<void> {
    const name = this.checks.queueName(definition, 'pauseQueue');
    await this.registry.whenRunning();
    await this.backend.pauseQueue(name);
    await this.registry.applyPauses();
  }

  /**
   * Resumes a queue paused with {@link pauseQueue}: every instance that handles it fetches again,
   * this one before the call resolves, the others within about a second. Resuming a queue that is
   * not paused changes nothing. Rejects with a `JobsConfigurationError` for a queue that does not exist.
   *
   * @example
   * await jobs.resumeQueue('welcome-email');
   */
  async resumeQueue(definition: AnyDefinition): Promise<void> {
    const name = this.checks.queueName(definition, 'resumeQueue');
    await this.registry.whenRunning();
    await this.backend.resumeQueue(name);
    await this.registry.applyPauses();
  }

  /**
   * Whether a queue is paused ({@link pauseQueue}), as stored in the database. Rejects with a
   * `JobsConfigurationError` for a queue that does not exist.
   *
   * @example
   * if (await jobs.isQueuePaused(WelcomeEmail)) this.logger.warn('welcome e-mails are paused');
   */
  async isQueuePaused(definition: AnyDefinition): Promise<boolean> {
    const name = this.checks.queueName(definition, 'isQueuePaused');
    await this.registry.whenRunning();
    return this.backend.isQueuePaused(name);
  }
}
