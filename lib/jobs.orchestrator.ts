import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { PgBoss } from 'pg-boss';
import { JOBS_MODULE_OPTIONS } from './jobs.module-definition.js';
import {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_START_ATTEMPTS,
  PG_BOSS_HANDLE,
} from './jobs.constants.js';
import { JobsExplorer } from './jobs.explorer.js';
import { JobEventsBus } from './job-events.bus.js';
import { JobsLogger } from './jobs.logger.js';
import { JobRunner } from './job.runner.js';
import { WorkerSlot } from './worker.slot.js';
import { SettleWatch } from './settle.watch.js';
import { QueuesReconciler, type DeclaredQueue } from './queues.reconciler.js';
import { JobsStartError } from './errors/jobs-start.error.js';
import { DATABASE_RETRY, DATABASE_UNREACHABLE } from './jobs.messages.js';
import { pickQueueOptions, toWorkOptions } from './utils/resolve-handler-options.util.js';
import { resolveHandlers } from './utils/resolve-handlers.util.js';
import { validateHandlerOptions } from './utils/validate-options.util.js';
import { jobsSchema, type BossHandle } from './pg-boss.factory.js';
import type { JobsModuleOptions } from './interfaces/jobs-module-options.interface.js';
import type { RegisteredHandler } from './interfaces/registered-handler.interface.js';

/**
 * Owns the runtime: at init it starts pg-boss (retrying an unreachable database), keeps queues and
 * `@Recurring` schedules in line with the code; at bootstrap it starts the workers; at shutdown it
 * stops fetching, lets in-flight jobs finish up to the timeout and closes the pool last, so jobs
 * sent by handlers while the app shuts down still land.
 */
@Injectable()
export class JobsOrchestrator
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger: JobsLogger | undefined;
  private readonly runners = new Map<string, JobRunner>();
  private readonly slots = new Map<string, WorkerSlot[]>();
  private handlers: RegisteredHandler[] = [];
  private workersStarted = false;
  private readonly readyDeferred = deferred();

  constructor(
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: JobsModuleOptions,
    @Inject(PG_BOSS_HANDLE) private readonly handle: BossHandle,
    private readonly explorer: JobsExplorer,
    private readonly events: JobEventsBus,
    private readonly moduleRef: ModuleRef,
  ) {
    this.logger = JobsLogger.from(options.logger);
    // pg-boss emits `error` for failures in its background loops; an EventEmitter without an
    // `error` listener would crash the process, so one is always attached.
    this.boss.on('error', (error) =>
      this.logger?.error(`pg-boss error: ${error.message}`, error.stack),
    );
    this.boss.on('warning', (warning) =>
      this.logger?.warn(`pg-boss warning: ${warning.message}`),
    );
    if (handle.statistics) handle.statistics.onFailure = (message) => this.logger?.warn(message);
  }

  get boss(): PgBoss {
    return this.handle.boss;
  }

  /** Resolves when pg-boss is started and queues exist; rejects if bootstrap failed. */
  get ready(): Promise<void> {
    return this.readyDeferred.promise;
  }

  /** The schema that holds pg-boss's tables. */
  get schema(): string {
    return jobsSchema(this.options);
  }

  /** Registered handlers, after bootstrap. */
  get registeredHandlers(): readonly RegisteredHandler[] {
    return this.handlers;
  }

  /** The runner of a queue handled in this instance. */
  runner(queue: string): JobRunner | undefined {
    return this.runners.get(queue);
  }

  async onModuleInit(): Promise<void> {
    try {
      const explored = this.explorer.explore();
      this.events.subscribeListeners(explored.listeners, this.logger);
      this.handlers = await resolveHandlers(
        explored.handlers,
        this.options,
        (token) => this.moduleRef.get(token as never, { strict: false }),
        (cron, tz) => this.boss.previewSchedule(cron, { tz, count: 1 }),
      );
      await this.startBoss();
      const reconciler = new QueuesReconciler(this.boss, this.logger, this.options.listenNotify ?? true);
      await reconciler.reconcileQueues(
        QueuesReconciler.declaredQueues(this.handlers, this.producerQueues(), this.options.queueDefaults),
      );
      if (this.options.workers !== false) await reconciler.reconcileSchedules(this.handlers);
      this.readyDeferred.resolve();
    } catch (error) {
      this.readyDeferred.reject(error);
      // Nest runs no shutdown hook after a failed init: stop what was started here, or pg-boss's
      // timers and pool would keep the process alive.
      if (this.handle.owned) await this.boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw error;
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.workers === false) {
      this.logger?.log(
        `Workers disabled: this instance only enqueues (${this.handlers.length} handler(s) not started)`,
      );
      return;
    }
    try {
      await this.startWorkers();
    } catch (error) {
      // As in onModuleInit: a failed bootstrap gets no shutdown hook, so stop pg-boss here.
      if (this.handle.owned) await this.boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw error;
    }
  }

  private async startWorkers(): Promise<void> {
    const watch = new SettleWatch(this.boss, this.events, this.logger);
    for (const handler of this.handlers) {
      const runner = new JobRunner(handler, this.events, this.logger, { watch });
      this.runners.set(handler.queue, runner);
      await this.startLoops(handler, runner);
      this.logger?.log(
        `Worker for "${handler.queue}" → ${handler.owner} (concurrency ${handler.options.concurrency ?? 1}` +
          (handler.kind === 'batch' ? `, batch ${handler.options.batchSize}` : '') +
          (handler.schedule ? `, cron "${handler.schedule.cron}"${handler.schedule.tz ? ` ${handler.schedule.tz}` : ''}` : '') +
          ')',
      );
    }
    this.workersStarted = true;
  }

  /**
   * One {@link WorkerSlot} (one pg-boss `work()` loop) per concurrency slot. Slots of a single-job
   * handler adapt their batch size to how quick the handler is, except where fetching several jobs
   * at once would change what a fetch may take: group limits (checked per fetch, and pg-boss's
   * local group tracking is reset when a loop stops) and policies that limit active jobs per key.
   */
  private async startLoops(handler: RegisteredHandler, runner: JobRunner): Promise<void> {
    const { localConcurrency = 1, ...options } = toWorkOptions(handler);
    const adaptive =
      handler.kind === 'single' &&
      options.batchSize === 1 &&
      handler.options.groupConcurrency === undefined &&
      handler.options.localGroupConcurrency === undefined &&
      [undefined, 'standard', 'short'].includes(handler.queueOptions.policy);
    const slots: WorkerSlot[] = [];
    this.slots.set(handler.queue, slots);
    for (let i = 0; i < localConcurrency; i++) {
      const slot = new WorkerSlot(this.boss, handler.queue, options, runner, adaptive);
      slots.push(slot);
      await slot.start();
    }
  }

  /**
   * Stops fetching and waits for in-flight jobs; jobs still running at the timeout are failed and
   * retried. Nest destroys global modules last, so this runs after the application modules'
   * onModuleDestroy but before any beforeApplicationShutdown / onApplicationShutdown hook.
   */
  async onModuleDestroy(): Promise<void> {
    const timeout = this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    // A slot changing its batch size stops its loop and starts another: no new loop after this.
    await Promise.all([...this.slots.values()].flat().map((slot) => slot.stop()));
    if (this.handle.owned) {
      // close: false keeps the pool open so handlers still running, and other providers' shutdown
      // hooks, can send jobs; the pool is closed in onApplicationShutdown.
      await this.boss.stop({ graceful: true, close: false, timeout });
      return;
    }
    if (!this.workersStarted) return;
    await Promise.race([
      Promise.all([...this.runners.keys()].map((queue) => this.boss.offWork(queue, { wait: true }))),
      new Promise((resolve) => setTimeout(resolve, timeout).unref()),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle.statistics?.stop();
    if (this.handle.owned) await this.boss.stop({ graceful: false, close: true });
  }

  private async startBoss(): Promise<void> {
    const attempts = this.options.startAttempts ?? DEFAULT_START_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.boss.start();
        return;
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        // An assertion is pg-boss refusing its configuration: retrying cannot help.
        if (attempt >= attempts || (error as Error).name === 'AssertionError') {
          throw new JobsStartError(DATABASE_UNREACHABLE(attempt, message), { cause: error });
        }
        // Capped at 8 s: the wait is also how long the app stays down after the database is back
        // (a 20 s outage with a 30 s cap meant ~11 s more; docs/reliability.md, scenario 6).
        const delayMs = Math.min(1000 * 2 ** (attempt - 1), START_RETRY_MAX_DELAY_MS);
        this.logger?.warn(DATABASE_RETRY(message, attempt, attempts, delayMs));
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** Queues listed in the module's `queues` option: created when missing, never updated here. */
  private producerQueues(): DeclaredQueue[] {
    return (this.options.queues ?? []).map((definition) => {
      const declaredBy = `JobsModule queues ("${definition.name}")`;
      const options = {
        ...pickQueueOptions((this.options.queueDefaults ?? {}) as Record<string, unknown>),
        ...pickQueueOptions(definition.options as Record<string, unknown>),
      };
      validateHandlerOptions(options as Record<string, unknown>, declaredBy);
      return { name: definition.name, options, declaredBy, managed: false };
    });
  }
}

/** The longest wait between two attempts to start pg-boss. */
const START_RETRY_MAX_DELAY_MS = 8_000;

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

