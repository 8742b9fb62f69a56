import { Inject, Injectable, Optional } from '@nestjs/common';
import { JOBS_MODULE_OPTIONS } from '../module/jobs.module-definition.js';
import { DEFAULT_INIT_TIMEOUT_MS } from '../module/jobs.constants.js';
import { JobsNotRunningError } from '../errors/jobs-not-running.error.js';
import { JOBS_NOT_STARTED, JOBS_SHUT_DOWN } from '../errors/jobs.messages.js';
import { jobsSchema } from '../backend/pg-boss/pg-boss.factory.js';
import type { JobRunner } from '../worker/job.runner.js';
import type { AnyDefinition } from '../utils/queue-name.util.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { RegisteredHandler } from '../interfaces/registered-handler.interface.js';
import type { DrainJobsOptions, DrainJobsResult } from '../interfaces/drain.interface.js';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import type { DeclaredQueue } from '../declare/declared-queues.js';

/**
 * @internal Where `JobsModule` is in its life: `created` until init begins, `starting` while
 * handlers are resolved and pg-boss starts, then `running` or `failed`, and `shut-down` once the
 * application is closed.
 */
export type JobsModuleState = 'created' | 'starting' | 'running' | 'failed' | 'shut-down';

/**
 * @internal Whether this instance's workers fetch jobs: `not-started` until application bootstrap
 * starts them, then `running`, or `disabled` for an instance with `workers: false`; `stopped` once
 * shutdown (or a stop of pg-boss) ended them.
 */
export type JobsWorkersState = 'not-started' | 'running' | 'disabled' | 'stopped';

/**
 * @internal What discovery and start-up produce, and what `JobsService` reads: the registered
 * handlers, the runner of each queue worked in this instance, how its workers learn of a pause, the
 * module's state and the readiness every call awaits. The lifecycle (`JobsOrchestrator`, or the testing kit's `JobsTester`) writes
 * it; nothing here starts or stops anything.
 */
@Injectable()
export class JobsRegistry {
  private readonly runners = new Map<string, JobRunner>();
  private pausesChanged: (() => Promise<void>) | undefined;
  private drainer: ((queues: readonly string[], options: DrainJobsOptions) => Promise<DrainJobsResult>) | undefined;
  private registered: readonly RegisteredHandler[] = [];
  private byQueue = new Map<string, RegisteredHandler>();
  private declared = new Map<string, DeclaredQueue>();
  private resolved = false;
  private current: JobsModuleState = 'created';
  private workerState: JobsWorkersState = 'not-started';
  private error: unknown;
  private readonly started = deferred();
  /** The wait of calls made before init began, shared until it ends (see {@link whenRunning}). */
  private notStarted: Promise<void> | undefined;
  private readonly initTimeoutMs: number;

  /** The schema that holds pg-boss's tables. */
  readonly schema: string;

  constructor(@Optional() @Inject(JOBS_MODULE_OPTIONS) options?: JobsModuleOptions) {
    this.initTimeoutMs = options?.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS;
    this.schema = jobsSchema(options ?? {});
  }

  // ── read ───────────────────────────────────────────────────────────────────────────────────────

  /** Where the module is in its life. */
  get state(): JobsModuleState {
    return this.current;
  }

  /** Whether this instance's workers fetch jobs (for the health check). */
  get workers(): JobsWorkersState {
    return this.workerState;
  }

  /** The error that failed the start, once {@link state} is `failed`. */
  get startError(): unknown {
    return this.error;
  }

  /**
   * Whether {@link handlers} is complete. Until it is, a queue name cannot be matched to its
   * definition (and schema): see {@link whenResolved}.
   */
  get handlersResolved(): boolean {
    return this.resolved;
  }

  /** The registered handlers, with their resolved options; empty until {@link handlersResolved}. */
  get handlers(): readonly RegisteredHandler[] {
    return this.registered;
  }

  /** The handler of a queue, once {@link handlersResolved}. */
  handler(queue: string): RegisteredHandler | undefined {
    return this.byQueue.get(queue);
  }

  /**
   * Every queue the app declares (handlers' queues, the module's `queues`, their dead-letter
   * queues), with the options it is created with; empty until {@link handlersResolved}.
   */
  get queues(): readonly DeclaredQueue[] {
    return [...this.declared.values()];
  }

  /** A declared queue by name, once {@link handlersResolved}. */
  queue(name: string): DeclaredQueue | undefined {
    return this.declared.get(name);
  }

  /** The runner of a queue worked in this instance. */
  runner(queue: string): JobRunner | undefined {
    return this.runners.get(queue);
  }

  /**
   * Brings this instance's workers in line with the paused queues now (after `pauseQueue` or
   * `resumeQueue`), rather than at the next poll; resolves at once where no worker runs.
   */
  applyPauses(): Promise<void> {
    return this.pausesChanged?.() ?? RESOLVED;
  }

  /**
   * What every `JobsService` call awaits before it touches the database. Resolves once pg-boss is
   * started and the queues exist; rejects with the start error if that failed. Once the application
   * is closed it rejects with a {@link JobsNotRunningError} (`shut-down`). A call made before init
   * began waits `initTimeoutMs` for it to begin, then rejects with one (`not-started`): an
   * application that is never initialised would otherwise leave the call pending forever.
   */
  whenRunning(): Promise<void> {
    switch (this.current) {
      case 'running':
      case 'starting':
      case 'failed':
        return this.started.promise;
      case 'shut-down':
        return Promise.reject(new JobsNotRunningError(JOBS_SHUT_DOWN(), 'shut-down'));
      case 'created':
        return (this.notStarted ??= this.untilStarted());
    }
  }

  /**
   * What a call awaits before it matches its definitions: a queue name can be matched to its
   * definition (and schema) only once the handlers are resolved, so when one of `definitions` is a
   * name and they are not, this waits for {@link whenRunning} (and rejects as it does). Definition
   * objects need nothing: resolves at once.
   */
  whenResolved(...definitions: AnyDefinition[]): Promise<void> {
    if (this.resolved || !definitions.some((definition) => typeof definition === 'string')) return RESOLVED;
    return this.whenRunning();
  }

  // ── written by the lifecycle ───────────────────────────────────────────────────────────────────

  /** Init has begun: calls waiting for it stop counting `initTimeoutMs`. */
  markStarting(): void {
    this.current = 'starting';
  }

  /**
   * The handlers are discovered and their options resolved, and the queues they need are known:
   * {@link handlersResolved} from now on.
   */
  setHandlers(handlers: readonly RegisteredHandler[], queues: readonly DeclaredQueue[]): void {
    this.registered = handlers;
    this.byQueue = new Map(handlers.map((handler) => [handler.queue, handler]));
    this.declared = new Map(queues.map((queue) => [queue.name, queue]));
    this.resolved = true;
  }

  /** Records the runner of a queue this instance works. */
  setRunner(queue: string, runner: JobRunner): void {
    this.runners.set(queue, runner);
  }

  /** The workers started (`running`), or are not started in this instance (`disabled`). */
  markWorkers(state: 'running' | 'disabled'): void {
    this.workerState = state;
  }

  /** Running workers ended (shutdown, or pg-boss stopped): they are not restarted. */
  markWorkersStopped(): void {
    if (this.workerState === 'running') this.workerState = 'stopped';
  }

  /** Runs `JobsService.drain` (the orchestrator's, or the testing kit's). */
  drain(queues: readonly string[], options: DrainJobsOptions): Promise<DrainJobsResult> {
    if (!this.drainer) return Promise.reject(new JobsConfigurationError('JobsService.drain: nothing here runs handlers'));
    return this.drainer(queues, options);
  }

  /** Records what runs {@link drain}. */
  setDrainer(drainer: (queues: readonly string[], options: DrainJobsOptions) => Promise<DrainJobsResult>): void {
    this.drainer = drainer;
  }

  /** Records how {@link applyPauses} reaches the workers of this instance. */
  setPauseRefresh(refresh: () => Promise<void>): void {
    this.pausesChanged = refresh;
  }

  /** The module runs: {@link whenRunning} resolves. */
  markRunning(): void {
    this.current = 'running';
    this.started.resolve();
  }

  /** The start failed with `error`: {@link whenRunning} rejects with it. */
  markFailed(error: unknown): void {
    this.current = 'failed';
    this.error = error;
    this.started.reject(error);
  }

  /**
   * The application is closed: from now on {@link whenRunning} rejects with a
   * {@link JobsNotRunningError} (`shut-down`), and so do calls still waiting for an init that never came.
   */
  markShutDown(): void {
    if (this.current === 'created') this.started.reject(new JobsNotRunningError(JOBS_SHUT_DOWN(), 'shut-down'));
    this.current = 'shut-down';
  }

  private untilStarted(): Promise<void> {
    const timeoutMs = this.initTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      // Not unref'd: a script that never initialises the app must hear about it, not exit silently.
      // Once init has begun, the start settles this wait (below), however long it takes.
      const timer = setTimeout(() => {
        if (this.current !== 'created') return;
        this.notStarted = undefined;
        reject(new JobsNotRunningError(JOBS_NOT_STARTED(timeoutMs), 'not-started'));
      }, timeoutMs);
      this.started.promise.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

const RESOLVED: Promise<void> = Promise.resolve();

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failed bootstrap already throws from onModuleInit; nobody may be awaiting this yet.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
