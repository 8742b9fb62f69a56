import type { OnModuleInit } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { JobRunner } from '../worker/job.runner.js';
import type { HandlerCallInterceptor } from '../worker/handler-call.js';
import { JobsLogger } from '../module/jobs.logger.js';
import type { JobsExplorer } from '../discover/jobs.explorer.js';
import type { JobEventsBus } from '../runtime/job-events.bus.js';
import type { JobEvent } from '../interfaces/job-event.interface.js';
import { discoverJobs } from '../discover/discover-jobs.js';
import { queueNameOf as nameOf, type AnyDefinition } from '../utils/queue-name.util.js';
import { TestingJobsRegistry } from './testing-jobs.registry.js';
import { serializeError } from '../utils/serialize-error.util.js';
import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { RegisteredHandler } from '../interfaces/registered-handler.interface.js';
import { InMemoryJobsStore, isQueued, type StoredJob } from './in-memory-jobs.store.js';
import { InMemoryBackend } from './in-memory.backend.js';
import { matchesPartial, show, type DeepPartial } from './match.util.js';
import { JobAssertionError } from './errors/job-assertion.error.js';
import { JobsTestingError } from './errors/jobs-testing.error.js';
import {
  DRAIN_LIMIT,
  EXPECTED_ENQUEUED,
  INLINE_DEPTH,
  NO_HANDLER,
  NOT_EXPECTED_ENQUEUED,
} from './testing.messages.js';
import type { JobsTestingMode } from './interfaces/jobs-testing-options.interface.js';
import type {
  DrainOptions,
  DrainSummary,
  PerformJobOptions,
  TestJob,
  TestJobRecord,
  TestPublishedEvent,
  TestSchedule,
} from './interfaces/test-job.interface.js';
import type { EventDefinition } from '../interfaces/event-definition.interface.js';


/** Filters of {@link JobsTester.expectEnqueued} besides the payload. */
export interface EnqueuedExpectation {
  /** Exactly this many matching jobs (default: at least one). */
  count?: number;
  priority?: number;
  singletonKey?: string;
  /** Matches the job's `startAfter` exactly. */
  startAfter?: Date;
}

const DEFAULT_MAX_RUNS = 1000;
const MAX_INLINE_DEPTH = 50;
const RESOLVED: Promise<void> = Promise.resolve();


/**
 * The test's handle on jobs when `JobsModule` is replaced by the testing module: what was enqueued,
 * running it through the real handlers (`drain`, `performJob`), and assertions. Handlers are
 * discovered by the real explorer, their options merged and validated by the real resolution,
 * and every job runs through the real `JobRunner`: payload validation, batch results, events and
 * `@OnJobEvent` listeners behave as in production. There is no database and no timer: retries run
 * at once, delays are not waited for.
 *
 * Get it with {@link getJobsTester}.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [JobsTestingModule.forRoot({ mode: 'manual' }), UsersModule],
 * }).compile();
 * const tester = getJobsTester(moduleRef);
 *
 * await moduleRef.get(UsersService).signUp('ada@example.com');
 * tester.expectEnqueued(WelcomeEmail, { email: 'ada@example.com' });
 * const summary = await tester.drain(WelcomeEmail);
 * expect(summary.completed).toBe(1);
 */
export class JobsTester implements OnModuleInit {
  /** @internal The storage behind the kit's `JobsService` (the `JOBS_BACKEND` token). */
  readonly backend: InMemoryBackend;
  private readonly store: InMemoryJobsStore;
  /** What each handler call returned or threw, by job id, for `performJob` and inline `send`. */
  private readonly outcomes = new Map<string, { threw: boolean; value: unknown }>();
  private readonly logger: JobsLogger | undefined;
  private discovered: Promise<void> | undefined;
  private inlineDepth = 0;
  /** @internal The registry the kit's `JobsService` reads (the `JobsRegistry` token): this tester writes it. */
  readonly registry: TestingJobsRegistry;

  /** @internal Built by `JobsTestingModule` / `overrideJobsModule`. */
  constructor(
    /** How `send` behaves: `manual` records, `inline` runs the handler at once. */
    readonly mode: JobsTestingMode,
    private readonly options: JobsModuleOptions,
    private readonly explorer: JobsExplorer,
    private readonly events: JobEventsBus,
    private readonly moduleRef: ModuleRef,
  ) {
    this.logger = JobsLogger.from(options.logger);
    this.registry = new TestingJobsRegistry(options, () => this.ready());
    this.backend = new InMemoryBackend(this.registry, (jobs) => (this.mode === 'inline' ? this.runInline(jobs) : RESOLVED));
    this.store = this.backend.store;
  }

  /** Discovers and resolves handlers at init, so a bad declaration fails the test as it fails bootstrap. */
  onModuleInit(): Promise<void> {
    return this.ready();
  }

  /**
   * The queues that have a handler in this module, sorted.
   *
   * @example
   * expect(await tester.queues()).toContain('welcome-email');
   */
  async queues(): Promise<string[]> {
    await this.ready();
    return this.registry.handlers.map((handler) => handler.queue).sort();
  }

  // ── what was enqueued ────────────────────────────────────────────────────────────────────────

  /**
   * The events published (`jobs.publish`), oldest first: each with its payload, the queues whose
   * handler subscribes to it, and the ids of the jobs sent to them (drained like any job). With an
   * event, only its publications.
   *
   * @example
   * await jobs.publish(UserSignedUp, { userId: 'u1' });
   * expect(tester.published(UserSignedUp)).toEqual([
   *   expect.objectContaining({ data: { userId: 'u1' }, queues: ['crm-sync', 'welcome-email'] }),
   * ]);
   */
  published<I>(event?: EventDefinition<I, any>): TestPublishedEvent<I>[] {
    const all = this.backend.published as TestPublishedEvent<I>[];
    return event === undefined ? [...all] : all.filter((published) => published.event === event.name);
  }

  /**
   * Jobs waiting in a queue (created, or failed and waiting for a retry), oldest first.
   *
   * @example
   * const [job] = tester.enqueued(WelcomeEmail);
   * expect(job!.data.email).toBe('ada@example.com');
   */
  enqueued<I>(definition: JobDefinition<I, any>): TestJob<I>[];
  enqueued(name: string): TestJob<Record<string, unknown>>[];
  enqueued(definition: AnyDefinition): TestJob<any>[] {
    return this.store.byQueue(nameOf(definition)).filter(isQueued);
  }

  /**
   * Every job recorded in a queue, whatever its state (completed, failed, cancelled...), oldest first.
   * For a definition with a result type, a completed job's `output` is typed by it, as `getJob` types
   * it ({@link TestJobRecord}): narrow on `state` first.
   *
   * @example
   * await tester.drain(WelcomeEmail);
   * expect(tester.jobs(WelcomeEmail).map((j) => j.state)).toEqual(['completed']);
   */
  jobs<I, R = unknown>(definition: JobDefinition<I, any, R>): TestJobRecord<I, R>[];
  jobs(name: string): TestJob<Record<string, unknown>>[];
  jobs(definition: AnyDefinition): TestJob<any>[] {
    return this.store.byQueue(nameOf(definition));
  }

  /**
   * Jobs of this definition that were moved to its dead-letter queue and wait there.
   *
   * @example
   * await tester.drain(WelcomeEmail);
   * expect(tester.deadLettered(WelcomeEmail)).toHaveLength(1);
   */
  deadLettered<I>(definition: JobDefinition<I, any>): TestJob<I>[];
  deadLettered(name: string): TestJob<Record<string, unknown>>[];
  deadLettered(definition: AnyDefinition): TestJob<any>[] {
    const name = nameOf(definition);
    return this.store.all().filter((job) => job.sourceName === name && isQueued(job));
  }

  /**
   * Asserts that at least one job (or exactly `count`) waits in the definition's queue with a
   * payload containing `data` (a deep partial match). Returns the first match. Throws a
   * {@link JobAssertionError} listing what the queue holds otherwise.
   *
   * @example
   * tester.expectEnqueued(CapturePayment, { orderId: 'o-1' }, { priority: 10, count: 1 });
   */
  expectEnqueued<I>(
    definition: JobDefinition<I, any>,
    data?: DeepPartial<NoInfer<I>>,
    expectation?: EnqueuedExpectation,
  ): TestJob<I>;
  expectEnqueued(name: string, data?: object, expectation?: EnqueuedExpectation): TestJob<Record<string, unknown>>;
  expectEnqueued(definition: AnyDefinition, data?: unknown, expectation: EnqueuedExpectation = {}): TestJob<any> {
    const name = nameOf(definition);
    const queued = this.enqueued(name);
    const matching = queued.filter((job) => this.matches(job, data, expectation));
    const { count } = expectation;
    if (count === undefined ? matching.length > 0 : matching.length === count) {
      if (matching[0]) return matching[0];
    }
    const wanted = describeWanted(data, expectation);
    const found =
      queued.length === 0
        ? `but none is enqueued there${this.elsewhere(name)}.`
        : `but ${count !== undefined ? `${matching.length} match${matching.length === 1 ? 'es' : ''}` : 'none matches'}; ` +
          `the ${queued.length} enqueued there:\n${queued.map(describeJob).join('\n')}`;
    throw new JobAssertionError(EXPECTED_ENQUEUED(name, wanted, found));
  }

  /**
   * Asserts that no job with a payload containing `data` (any job, without `data`) waits in the
   * queue. Throws a {@link JobAssertionError} listing the matches otherwise.
   *
   * @example
   * await payments.requestCapture('o-1', 100);
   * tester.expectNotEnqueued(WelcomeEmail);
   */
  expectNotEnqueued<I>(definition: JobDefinition<I, any>, data?: DeepPartial<NoInfer<I>>): void;
  expectNotEnqueued(name: string, data?: object): void;
  expectNotEnqueued(definition: AnyDefinition, data?: unknown): void {
    const name = nameOf(definition);
    const matching = this.enqueued(name).filter((job) => this.matches(job, data, {}));
    if (matching.length === 0) return;
    throw new JobAssertionError(
      NOT_EXPECTED_ENQUEUED(name, describeWanted(data, {}), matching.map(describeJob).join('\n')),
    );
  }

  /**
   * Runtime schedules created with `JobsService.schedule` (not `@Recurring`), optionally of one queue.
   *
   * @example
   * await digests.enable('u1');
   * expect(tester.scheduled(Digest)[0]?.cron).toBe('0 8 * * *');
   */
  scheduled<I>(definition?: JobDefinition<I, any>): TestSchedule<I>[];
  scheduled(name?: string): TestSchedule<Record<string, unknown>>[];
  scheduled(definition?: AnyDefinition): TestSchedule<any>[] {
    const all = [...this.backend.schedules.values()];
    return definition === undefined ? all : all.filter((s) => s.name === nameOf(definition));
  }

  /**
   * Forgets every recorded job and schedule and resumes every paused queue; handlers stay
   * discovered. Call it in `beforeEach` when a module is shared by several tests.
   *
   * @example
   * beforeEach(() => tester.clear());
   */
  clear(): void {
    this.backend.clear();
    this.outcomes.clear();
  }

  // ── running jobs ─────────────────────────────────────────────────────────────────────────────

  /**
   * Runs the waiting jobs of one queue, several, or `'all'` queues that have a handler, through
   * their real handlers until none is left: failed attempts are retried at once up to the job's
   * resolved `retryLimit`, then the job fails and is copied to its dead-letter queue; jobs sent by
   * handlers are drained too when their queue is drained; flow steps run after their dependencies
   * completed. Higher priority first, then oldest. Delays (`startAfter`, retry backoff) are not
   * waited for. Jobs of a paused queue (`JobsService.pauseQueue`) do not run and count as `pending`.
   * Stops with a {@link JobsTestingError} after `maxRuns` handler calls (default 1000).
   *
   * @example
   * const summary = await tester.drain(WelcomeEmail);
   * expect(summary).toMatchObject({ completed: 0, retried: 3, failed: 1, deadLettered: 1 });
   */
  async drain(
    target: AnyDefinition | readonly AnyDefinition[] | 'all' = 'all',
    { maxRuns = DEFAULT_MAX_RUNS }: DrainOptions = {},
  ): Promise<DrainSummary> {
    await this.ready();
    let queues: Set<string> | undefined;
    if (target !== 'all') {
      queues = new Set((Array.isArray(target) ? target : [target as AnyDefinition]).map(nameOf));
      for (const queue of queues) this.handlerOf(queue);
    }
    return (await this.drainQueues(queues, maxRuns)).summary;
  }

  /**
   * The loop of {@link drain}: runs the waiting jobs of `queues` (all with a handler when undefined)
   * until none is left, failing after `maxRuns` handler calls; with `stopAfter`, stops there instead
   * (`JobsService.drain`'s `maxJobs`) and says so.
   */
  private async drainQueues(
    queues: Set<string> | undefined,
    maxRuns: number,
    stopAfter?: number,
  ): Promise<{ summary: DrainSummary; stopped: boolean }> {
    const summary: DrainSummary = { runs: 0, completed: 0, retried: 0, failed: 0, deadLettered: 0, pending: 0 };
    const runsByQueue: Record<string, number> = {};
    let stopped = false;
    for (;;) {
      const next = this.nextRun(queues);
      if (!next) break;
      if (stopAfter !== undefined && summary.runs >= stopAfter) {
        stopped = true;
        break;
      }
      if (summary.runs >= maxRuns) throw new JobsTestingError(DRAIN_LIMIT(maxRuns, runsByQueue));
      summary.runs++;
      runsByQueue[next.handler.queue] = (runsByQueue[next.handler.queue] ?? 0) + 1;
      await this.run(next.handler, next.jobs, summary);
    }
    summary.pending = this.store
      .all()
      .filter((job) => isQueued(job) && this.registry.handler(job.name) && (!queues || queues.has(job.name))).length;
    return { summary, stopped };
  }

  /**
   * Runs one job through its queue's real handler, without queueing it, and resolves with what the
   * handler returned or rejects with what it threw (a `JobValidationError` for an invalid payload).
   * The job is realistic: a uuid id, `attempt` 1, the queue's resolved `retryLimit`, a signal,
   * `createdOn` now; `options` overrides them. Events are emitted and `@OnJobEvent` listeners
   * called as in production. A batch handler receives a batch of this one job.
   *
   * @example
   * const result = await tester.performJob(Thumbnail, { imageId: 'cat.jpg', size: 64 });
   * expect(result.bytes).toBe(64 * 64 * 3);
   * // the last attempt, with an aborted signal
   * await expect(tester.performJob(CapturePayment, data, { attempt: 6, signal: AbortSignal.abort() })).rejects.toThrow();
   */
  async performJob<I, R = any>(definition: JobDefinition<I, any>, data: NoInfer<I>, options?: PerformJobOptions): Promise<R>;
  async performJob<R = any>(name: string, data?: object | null, options?: PerformJobOptions): Promise<R>;
  async performJob(definition: AnyDefinition, data?: unknown, options: PerformJobOptions = {}): Promise<unknown> {
    return this.perform(definition, [data], options, false);
  }

  /**
   * Runs a batch handler once with one job per payload and resolves with what it returned (for
   * example per-job `BatchJobResult`s), or rejects with what it threw.
   *
   * @example
   * await tester.performBatch(ImportRow, [row1, row2]);
   * expect(store.productCount).toBe(2);
   */
  async performBatch<I, R = any>(
    definition: JobDefinition<I, any>,
    data: ReadonlyArray<NoInfer<I>>,
    options?: Omit<PerformJobOptions, 'id'>,
  ): Promise<R>;
  async performBatch<R = any>(name: string, data: ReadonlyArray<object>, options?: Omit<PerformJobOptions, 'id'>): Promise<R>;
  async performBatch(definition: AnyDefinition, data: ReadonlyArray<unknown>, options: PerformJobOptions = {}): Promise<unknown> {
    return this.perform(definition, data, options, true);
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────

  /**
   * @internal Discovers and resolves the handlers once, as `JobsModule` does at init (the same
   * {@link discoverJobs}), and records them in the registry; there is no database to start.
   */
  ready(): Promise<void> {
    if (!this.discovered) {
      this.registry.markStarting();
      this.discovered = discoverJobs({
        explorer: this.explorer,
        events: this.events,
        options: this.options,
        get: (token) => this.moduleRef.get(token as never, { strict: false }),
        preview: this.backend.previewSchedule,
        logger: this.logger,
      }).then(
        ({ handlers, queues }) => {
          this.registry.setHandlers(handlers, queues);
          // JobsService.drain in tests: the in-memory queues, maxJobs as a stop (maxSeconds is not timed).
          this.registry.setDrainer(async (names, { maxJobs }) => {
            for (const name of names) this.handlerOf(name);
            const { summary, stopped } = await this.drainQueues(new Set(names), DEFAULT_MAX_RUNS, maxJobs);
            return {
              started: summary.runs,
              completed: summary.completed,
              failed: summary.retried + summary.failed,
              stoppedBy: stopped ? 'maxJobs' : 'idle',
            };
          });
          // The tester is this kit's worker: it runs jobs whenever a test drains them (or at once, inline).
          this.registry.markWorkers(this.options.workers === false ? 'disabled' : 'running');
          this.registry.markRunning();
        },
        (error: unknown) => {
          this.registry.markFailed(error);
          throw error;
        },
      );
    }
    return this.discovered;
  }

  /** The handler of a queue, or a {@link JobsTestingError} listing the queues that have one. */
  private handlerOf(queue: string): RegisteredHandler {
    const handler = this.registry.handler(queue);
    if (handler) return handler;
    throw new JobsTestingError(NO_HANDLER(queue, this.registry.handlers.map((h) => h.queue)));
  }

  private runnable(job: StoredJob, handler: RegisteredHandler | undefined): handler is RegisteredHandler {
    // A paused queue's jobs wait, as no worker fetches them (drain counts them as pending).
    if (!handler || !isQueued(job) || this.backend.paused.has(job.name)) return false;
    const { minPriority, maxPriority } = handler.options;
    if (minPriority !== undefined && job.priority < minPriority) return false;
    if (maxPriority !== undefined && job.priority > maxPriority) return false;
    return job.dependsOn.every((id) => this.store.get(id)?.state === 'completed');
  }

  /** The next handler call: the most urgent runnable job, with its batch neighbours for a batch handler. */
  private nextRun(queues: Set<string> | undefined): { handler: RegisteredHandler; jobs: StoredJob[] } | undefined {
    const runnable = this.store
      .all()
      .filter((job) => (!queues || queues.has(job.name)) && this.runnable(job, this.registry.handler(job.name)))
      .sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    const head = runnable[0];
    if (!head) return undefined;
    const handler = this.registry.handler(head.name)!;
    const jobs =
      handler.kind === 'batch'
        ? runnable.filter((job) => job.name === head.name).slice(0, handler.options.batchSize ?? 1)
        : [head];
    return { handler, jobs };
  }

  /** Inline mode: one attempt of each job now, flow steps after their dependencies. */
  private async runInline(jobs: StoredJob[]): Promise<void> {
    if (this.inlineDepth >= MAX_INLINE_DEPTH) {
      throw new JobsTestingError(INLINE_DEPTH(jobs[0]?.name ?? '?', this.inlineDepth));
    }
    this.inlineDepth++;
    try {
      const pending = [...jobs];
      for (;;) {
        const ready = pending.filter((job) => job.state === 'created' && this.runnable(job, this.registry.handler(job.name)));
        const head = ready[0];
        if (!head) return;
        const handler = this.registry.handler(head.name)!;
        const batch =
          handler.kind === 'batch'
            ? ready.filter((job) => job.name === head.name).slice(0, handler.options.batchSize ?? 1)
            : [head];
        for (const job of batch) pending.splice(pending.indexOf(job), 1);
        const failures = await this.run(handler, batch);
        const failed = batch.find((job) => job.state !== 'completed' && job.state !== 'cancelled');
        if (failed) throw this.errorOf(failed, failures.get(failed.id));
      }
    } finally {
      this.inlineDepth--;
    }
  }

  /**
   * One handler call through the real JobRunner, then settles each job as pg-boss does with the
   * runner's per-job results. Returns the error of each failed job (as thrown, or as returned by a
   * batch handler), from the runner's `failed` events.
   */
  private async run(
    handler: RegisteredHandler,
    jobs: StoredJob[],
    summary?: DrainSummary,
  ): Promise<Map<string, unknown>> {
    const runner = this.runnerFor(handler);
    const failures = new Map<string, unknown>();
    const ids = new Set(jobs.map((job) => job.id));
    const raws = jobs.map((job) => {
      job.state = 'active';
      job.startedOn = new Date();
      return this.store.toRaw(job, new AbortController().signal);
    });
    // Observed, the runner builds its events (the `failed` ones carry each job's error); it hands the
    // outcome events over instead of emitting them, and they are emitted below, once the store holds
    // the outcome, as the module emits them once pg-boss recorded it.
    let held: readonly JobEvent[] = [];
    const subscription = this.events.events$.subscribe(() => undefined);
    let results;
    try {
      results = await runner.handle(raws, { hold: (events) => (held = events) });
    } finally {
      subscription.unsubscribe();
      for (const event of held) if (event.type === 'failed' && ids.has(event.jobId)) failures.set(event.jobId, event.error);
      // A thrown error is reported as the handler threw it, not as serialized by the runner.
      for (const id of ids) {
        const outcome = this.outcomes.get(id);
        if (outcome?.threw && failures.has(id)) failures.set(id, outcome.value);
        this.outcomes.delete(id);
      }
    }
    for (const result of results) {
      const job = this.store.get(result.id);
      // pg-boss ignores the result of a job cancelled while it ran.
      if (!job || job.state === 'cancelled') continue;
      job.output = (result.output as object | undefined) ?? null;
      if (result.status === 'completed') {
        Object.assign(job, { state: 'completed', completedOn: new Date() });
        if (summary) summary.completed++;
      } else if (result.status === 'failed' && job.retryCount < job.retryLimit) {
        job.state = 'retry';
        job.retryCount++;
        if (summary) summary.retried++;
      } else {
        Object.assign(job, { state: 'failed', completedOn: new Date() });
        if (summary) summary.failed++;
        if (job.deadLetter) {
          this.store.insert(job.deadLetter, job.data, {}, this.backend.queueOptions(job.deadLetter), { source: job });
          if (summary) summary.deadLettered++;
        }
      }
    }
    this.events.emitAll(held);
    return failures;
  }

  private async perform(
    definition: AnyDefinition,
    data: ReadonlyArray<unknown>,
    options: PerformJobOptions,
    batch: boolean,
  ): Promise<unknown> {
    await this.ready();
    const name = nameOf(definition);
    const handler = this.handlerOf(name);
    if (batch && handler.kind !== 'batch') {
      throw new JobsTestingError(`performBatch: ${handler.owner} (queue "${name}") is not a batch handler; use performJob.`);
    }
    // A scratch store builds realistic raw jobs without recording them in the test's queue.
    const scratch = new InMemoryJobsStore();
    const raws = data.map((payload, i) => {
      const job = scratch.insert(
        name,
        payload ?? null,
        {
          ...(options.id !== undefined && i === 0 ? { id: options.id } : {}),
          ...(options.priority !== undefined ? { priority: options.priority } : {}),
          ...(options.singletonKey !== undefined ? { singletonKey: options.singletonKey } : {}),
          ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
        },
        { ...handler.queueOptions, policy: 'standard' },
      )!;
      job.state = 'active';
      job.retryCount = (options.attempt ?? 1) - 1;
      if (options.createdOn) Object.assign(job, { createdOn: options.createdOn });
      return scratch.toRaw(job, options.signal ?? new AbortController().signal);
    });
    const failures = new Map<string, unknown>();
    const ids = new Set(raws.map((raw) => raw.id));
    const subscription = this.events.events$.subscribe((event) => {
      if (event.type === 'failed' && ids.has(event.jobId)) failures.set(event.jobId, event.error);
    });
    const first = raws[0]!.id;
    try {
      const results = await this.runnerFor(handler).handle(raws);
      const outcome = this.outcomes.get(first);
      if (outcome?.threw) throw outcome.value;
      if (batch) return outcome?.value;
      if (results[0]?.status === 'completed') return outcome?.value;
      throw this.errorOf({ id: first, name, output: (results[0]?.output as object) ?? null }, failures.get(first));
    } finally {
      subscription.unsubscribe();
      for (const id of ids) this.outcomes.delete(id);
    }
  }

  /** What a failed job's caller sees: the handler's own error when it threw one. */
  private errorOf(job: { id: string; name: string; output: object | null }, error: unknown): unknown {
    if (error instanceof Error) return error;
    const detail = error ?? job.output;
    return new JobsTestingError(`Job ${job.name} ${job.id} failed: ${serializeError(detail).message}`, { cause: error });
  }

  private runnerFor(handler: RegisteredHandler): JobRunner {
    let runner = this.registry.runner(handler.queue);
    if (!runner) {
      // The runner's one chain around the handler, plus an innermost interceptor that remembers the
      // handler's return value or error for the caller. Recorded in the registry, where
      // JobsService.cancel finds it to abort a running job, as in the module.
      // Progress is stored on the recorded job at every report: no database to spare, no waiting.
      runner = new JobRunner(handler, this.events, this.logger, undefined, [this.recorder], {
        store: (queue, id, progress) => this.backend.setProgress(queue, id, progress),
        intervalMs: 0,
      });
      this.registry.setRunner(handler.queue, runner);
    }
    return runner;
  }

  /** Records each handler call's outcome (as returned or thrown) for its jobs, in `outcomes`. */
  private readonly recorder: HandlerCallInterceptor = {
    intercept: async (call, next) => {
      try {
        const value = await next();
        for (const job of call.jobs) this.outcomes.set(job.id, { threw: false, value });
        return value;
      } catch (error) {
        for (const job of call.jobs) this.outcomes.set(job.id, { threw: true, value: error });
        throw error;
      }
    },
  };

  private matches(job: TestJob<unknown>, data: unknown, expectation: EnqueuedExpectation): boolean {
    return (
      (data === undefined || matchesPartial(job.data, data)) &&
      (expectation.priority === undefined || job.priority === expectation.priority) &&
      (expectation.singletonKey === undefined || job.singletonKey === expectation.singletonKey) &&
      (expectation.startAfter === undefined || job.startAfter.getTime() === expectation.startAfter.getTime())
    );
  }

  private elsewhere(name: string): string {
    const counts = new Map<string, number>();
    for (const job of this.store.all()) {
      if (job.name !== name && isQueued(job)) counts.set(job.name, (counts.get(job.name) ?? 0) + 1);
    }
    if (counts.size === 0) return ' (nothing is enqueued in any queue)';
    return ` (enqueued elsewhere: ${[...counts].map(([q, n]) => `"${q}" ×${n}`).join(', ')})`;
  }
}

function describeWanted(data: unknown, expectation: EnqueuedExpectation): string {
  const { count, ...rest } = expectation;
  const parts: string[] = [];
  if (data !== undefined) parts.push(`with data matching ${show(data)}`);
  const filters = Object.entries(rest).filter(([, v]) => v !== undefined);
  if (filters.length) parts.push(`with ${filters.map(([k, v]) => `${k} ${show(v)}`).join(', ')}`);
  const times = count === undefined ? '' : ` exactly ${count} time${count === 1 ? '' : 's'}`;
  return (parts.length ? ` ${parts.join(' ')}` : '') + times;
}

function describeJob(job: TestJob<unknown>, index: number): string {
  const extra = [
    job.priority ? `priority ${job.priority}` : '',
    job.singletonKey ? `singletonKey ${show(job.singletonKey)}` : '',
    job.state === 'retry' ? `retry ${job.retryCount} of ${job.retryLimit}` : '',
  ].filter(Boolean);
  return `  ${index + 1}. ${show(job.data)}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}
