import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import type { PgBoss } from 'pg-boss';
import { JOBS_MODULE_OPTIONS } from '../module/jobs.module-definition.js';
import {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_START_ATTEMPTS,
  JOBS_TELEMETRY,
  PG_BOSS_HANDLE,
} from '../module/jobs.constants.js';
import { JobsExplorer } from '../discover/jobs.explorer.js';
import { JobEventsBus } from './job-events.bus.js';
import { JobsLogger } from '../module/jobs.logger.js';
import { JobRunner } from '../worker/job.runner.js';
import { WorkerSlot } from '../worker/worker.slot.js';
import { WorkerPool } from '../worker/worker.pool.js';
import { SettleWatch } from '../backend/pg-boss/settle.watch.js';
import { QueuesReconciler } from '../backend/pg-boss/queues.reconciler.js';
import { PausedQueuesStore } from '../backend/pg-boss/paused-queues.store.js';
import { RateLimitsStore } from '../backend/pg-boss/rate-limits.store.js';
import { handlerSlots } from '../worker/handler-slots.js';
import { QueueDrain } from '../worker/queue.drain.js';
import { schemaIdentifier } from '../backend/pg-boss/sql-identifier.util.js';
import type { DrainJobsOptions, DrainJobsResult } from '../interfaces/drain.interface.js';
import { installModuleTables } from '../backend/pg-boss/module-tables.js';
import { PauseWatch } from '../backend/pg-boss/pause.watch.js';
import { JobsStartError } from '../errors/jobs-start.error.js';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import {
  DATABASE_RETRY,
  DATABASE_START_REFUSED,
  DATABASE_UNREACHABLE,
  DRAIN_ALREADY,
  DRAIN_NO_HANDLER,
  DRAIN_WORKERS_RUNNING,
  DUPLICATE_JOBS_MODULE,
  QUEUE_PAUSED,
  QUEUE_RESUMED,
} from '../errors/jobs.messages.js';
import { workPlan } from '../declare/resolve-handler-options.util.js';
import { discoverJobs } from '../discover/discover-jobs.js';
import { isTransientStartError, startErrorHint } from '../backend/pg-boss/start-error.util.js';
import { jobsSchema, type BossHandle } from '../backend/pg-boss/pg-boss.factory.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { RegisteredHandler } from '../interfaces/registered-handler.interface.js';
import { JobsRegistry } from './jobs.registry.js';
import { JOBS_BACKEND, type JobsBackend } from '../backend/jobs-backend.js';
import type { ProgressStorage } from '../worker/job-progress.js';

/** How often a worker instance forgets the progress of jobs pg-boss has deleted: every 15 minutes. */
const PROGRESS_PRUNE_INTERVAL_MS = 15 * 60_000;
import type { JobsTelemetry } from '../telemetry/load-telemetry.js';
import type { HandlerCallInterceptor } from '../worker/handler-call.js';

/**
 * Owns the runtime: at init it starts pg-boss (retrying an unreachable database), keeps queues and
 * `@Recurring` schedules in line with the code; at bootstrap it starts the workers; at shutdown it
 * stops fetching, lets in-flight jobs finish up to the timeout and closes the pool last, so jobs
 * sent by handlers while the app shuts down still land. What it discovers and starts, and where the
 * module is in its life, it writes into the {@link JobsRegistry} that `JobsService` reads.
 */
@Injectable()
export class JobsOrchestrator
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger: JobsLogger | undefined;
  private readonly slots = new Map<string, (WorkerSlot | WorkerPool)[]>();
  /** Queues a `JobsService.drain` runs now. */
  private readonly draining = new Set<string>();
  private workersStarted = false;
  private progressPruner: NodeJS.Timeout | undefined;
  private readonly pauses: PausedQueuesStore;
  /** Start permits of rate-limited handlers (`rateLimit`). */
  private readonly rateLimits: RateLimitsStore;
  /** Queues whose workers this instance has paused. */
  private readonly pausedHere = new Set<string>();
  private pauseWatch: PauseWatch | undefined;

  constructor(
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: JobsModuleOptions,
    @Inject(PG_BOSS_HANDLE) private readonly handle: BossHandle,
    private readonly explorer: JobsExplorer,
    private readonly events: JobEventsBus,
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    private readonly registry: JobsRegistry,
    @Inject(JOBS_BACKEND) private readonly backend: JobsBackend,
    @Inject(JOBS_TELEMETRY) private readonly telemetry: JobsTelemetry | null,
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
    // An app that passes its own PgBoss may stop it without closing the app: the workers end with it.
    this.boss.on('stopped', () => this.registry.markWorkersStopped());
    this.pauses = new PausedQueuesStore(handle.boss, jobsSchema(options));
    this.rateLimits = new RateLimitsStore(handle.boss, jobsSchema(options));
  }

  private get boss(): PgBoss {
    return this.handle.boss;
  }

  /** The registered handlers, once resolved at init (empty before). */
  private get handlers(): readonly RegisteredHandler[] {
    return this.registry.handlers;
  }

  async onModuleInit(): Promise<void> {
    this.registry.markStarting();
    try {
      this.assertSingleModule();
      const { handlers, queues } = await discoverJobs({
        explorer: this.explorer,
        events: this.events,
        options: this.options,
        get: (token) => this.moduleRef.get(token as never, { strict: false }),
        preview: (cron, tz, count) => this.boss.previewSchedule(cron, { tz, count }),
        logger: this.logger,
      });
      this.registry.setHandlers(handlers, queues);
      await this.startBoss();
      // The module's own tables (paused queues, job progress, rate-limit windows): every instance may
      // pause, resume and read progress (workers: false ones too); only workers of rate-limited
      // handlers need the windows. pg-boss's migrate: false means DDL is the administrator's: then
      // the tables are only looked for.
      await installModuleTables(this.boss, jobsSchema(this.options), {
        create: this.options.connection?.migrate !== false,
        rateLimits: this.options.workers !== false && handlers.some((handler) => handler.options.rateLimit !== undefined),
      });
      const reconciler = new QueuesReconciler(this.boss, this.logger, this.options.listenNotify ?? true);
      await reconciler.reconcileQueues(this.registry.queues);
      await reconciler.reconcileSubscriptions(this.handlers, jobsSchema(this.options));
      if (this.options.workers !== false) await reconciler.reconcileSchedules(this.handlers);
      this.registry.setDrainer((queues, options) => this.drain(queues, options));
      this.registry.markRunning();
    } catch (error) {
      this.registry.markFailed(error);
      // Nest runs no shutdown hook after a failed init: stop what was started here, or pg-boss's
      // timers and pool would keep the process alive.
      if (this.handle.owned) await this.boss.stop({ graceful: false, close: true }).catch(() => undefined);
      throw error;
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.workers === false) {
      this.registry.markWorkers('disabled');
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
    const queues = this.handlers.map((handler) => handler.queue);
    // Read before any loop starts: a queue paused before this instance started never fetches here.
    const paused = await this.pauses.pausedAmong(queues);
    // The handler-call chain of every runner: a span per job with `openTelemetry`, else nothing at all
    // (a handler call then costs no interceptor).
    const interceptors: HandlerCallInterceptor[] = this.telemetry ? [this.telemetry.interceptor] : [];
    for (const handler of this.handlers) {
      const runner = new JobRunner(handler, this.events, this.logger, { watch }, interceptors, this.storeProgress);
      this.registry.setRunner(handler.queue, runner);
      await this.startLoops(handler, runner, paused.has(handler.queue));
      this.logger?.log(
        `Worker for "${handler.queue}" → ${handler.owner} (concurrency ${handler.options.concurrency ?? 1}` +
          (handler.kind === 'batch' ? `, batch ${handler.options.batchSize}` : '') +
          (handler.options.rateLimit
            ? `, at most ${handler.options.rateLimit.max} starts per ${handler.options.rateLimit.perSeconds} s`
            : '') +
          (handler.schedules ?? [])
            .map((s) => `, cron "${s.cron}"${s.tz ? ` ${s.tz}` : ''}${s.key !== undefined ? ` (key "${s.key}")` : ''}`)
            .join('') +
          ')',
      );
      if (paused.has(handler.queue)) this.logger?.log(QUEUE_PAUSED(handler.queue));
    }
    this.workersStarted = true;
    // Progress rows outlive their jobs until this pass: pg-boss deletes finished jobs on its own.
    this.progressPruner = setInterval(() => {
      this.backend.pruneProgress().catch((error: unknown) => this.logger?.warn(`Pruning job progress failed: ${(error as Error)?.message}`));
    }, PROGRESS_PRUNE_INTERVAL_MS);
    this.progressPruner.unref();
    this.registry.markWorkers('running');
    if (queues.length === 0) return;
    this.pauseWatch = new PauseWatch(this.boss, this.pauses, queues, (now) => this.applyPauses(now), {
      listen: this.options.listenNotify ?? true,
      logger: this.logger,
    });
    this.registry.setPauseRefresh(() => this.pauseWatch?.refresh() ?? Promise.resolve());
    await this.pauseWatch.start();
  }

  /**
   * Pauses the workers of the queues paused now and resumes those of the queues no longer paused,
   * logging each change once. Their slots stop fetching (jobs in flight finish) or fetch again.
   */
  private applyPauses(paused: ReadonlySet<string>): void {
    for (const [queue, slots] of this.slots) {
      const pause = paused.has(queue);
      if (pause === this.pausedHere.has(queue)) continue;
      if (pause) {
        this.pausedHere.add(queue);
        for (const slot of slots) slot.pause();
        this.logger?.log(QUEUE_PAUSED(queue));
      } else {
        this.pausedHere.delete(queue);
        for (const slot of slots) slot.resume();
        this.logger?.log(QUEUE_RESUMED(queue));
      }
    }
  }

  /**
   * `JobsService.drain`: runs the handlers of `queues` in this instance until nothing is due, `maxJobs`
   * started or `maxSeconds` ran out (see {@link QueueDrain}). Refused for a queue whose workers already
   * run here, one without a handler in this app, and one being drained already.
   */
  private async drain(queues: readonly string[], options: DrainJobsOptions): Promise<DrainJobsResult> {
    const handlers = queues.map((queue) => {
      if (this.slots.has(queue)) throw new JobsConfigurationError(DRAIN_WORKERS_RUNNING(queue));
      if (this.draining.has(queue)) throw new JobsConfigurationError(DRAIN_ALREADY(queue));
      const handler = this.registry.handler(queue);
      if (!handler) throw new JobsConfigurationError(DRAIN_NO_HANDLER(queue));
      return handler;
    });
    for (const queue of queues) this.draining.add(queue);
    const watch = new SettleWatch(this.boss, this.events, this.logger);
    const interceptors: HandlerCallInterceptor[] = this.telemetry ? [this.telemetry.interceptor] : [];
    const jobTable = `${schemaIdentifier(jobsSchema(this.options))}.job`;
    try {
      return await new QueueDrain(
        {
          boss: this.boss,
          events: this.events,
          runner: (handler) => {
            const runner = new JobRunner(handler, this.events, this.logger, { watch }, interceptors, this.storeProgress);
            // JobsService.cancel reaches the jobs it runs.
            this.registry.setRunner(handler.queue, runner);
            return runner;
          },
          due: async (names) => {
            const { rows } = await this.boss.getDb().executeSql(
              `SELECT EXISTS (SELECT 1 FROM ${jobTable} WHERE name = ANY($1::text[]) AND state < 'active' AND start_after <= now() AND NOT blocked) AS due`,
              [names],
            );
            return (rows[0] as { due: boolean }).due;
          },
          permits: this.rateLimits,
          logger: this.logger,
          graceMs: this.options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
        },
        handlers,
        options,
      ).run();
    } finally {
      for (const queue of queues) this.draining.delete(queue);
    }
  }

  /** Where runners store what handlers report with `job.updateProgress` (once a second per job at most). */
  private readonly storeProgress: ProgressStorage = {
    store: (queue, id, progress) => this.backend.setProgress(queue, id, progress),
  };

  /**
   * One {@link WorkerSlot} (its own pg-boss `work()` loops) per concurrency slot. Slots of a
   * single-job handler adapt their batch size to how quick the handler is, unless it opts out
   * (`adaptiveBatching: false`) or fetching several jobs at once would change what a fetch may take:
   * group limits (checked per fetch) and policies that limit active jobs per key. A handler with
   * `localGroupConcurrency` runs all its slots in one {@link WorkerPool}: pg-boss checks that limit
   * against the `localConcurrency` of one `work()` call. The slots of a `paused` queue are paused
   * before they start, so they fetch nothing until the queue is resumed.
   */
  private async startLoops(handler: RegisteredHandler, runner: JobRunner, paused: boolean): Promise<void> {
    const slots = handlerSlots(this.boss, handler.queue, workPlan(handler), runner, this.rateLimits, this.logger);
    this.slots.set(handler.queue, slots);
    if (paused) this.pausedHere.add(handler.queue);
    for (const slot of slots) {
      if (paused) slot.pause();
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
    // From here on this instance takes no new job: a health check says so while running jobs finish.
    this.registry.markWorkersStopped();
    // No pause or resume reaches the slots from here on.
    await this.pauseWatch?.stop();
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
      Promise.all([...this.slots.keys()].map((queue) => this.boss.offWork(queue, { wait: true }))),
      new Promise((resolve) => setTimeout(resolve, timeout).unref()),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    // The last hook of the application (global modules shut down last): from here on every
    // JobsService call fails with JobsNotRunningError instead of reaching a closing pool. Calls
    // still waiting for an init that never came fail now too.
    this.registry.markShutDown();
    clearInterval(this.progressPruner);
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
        const message = startErrorMessage(error);
        // Only what can pass is retried (a refused connection, a server starting up...): a wrong
        // password or an unknown database fails the same way every time, so it fails at once.
        if (!isTransientStartError(error)) {
          throw new JobsStartError(DATABASE_START_REFUSED(message, startErrorHint(error)), { cause: error });
        }
        if (attempt >= attempts) {
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

  /**
   * Two `JobsModule.forRoot` in one application would each start every handler, and `JobsService`
   * would resolve to one of them; until named connections exist, bootstrap refuses it.
   */
  private assertSingleModule(): void {
    const hosts = [...this.modules.values()].filter((module) => module.providers.has(JobsOrchestrator));
    if (hosts.length < 2) return;
    const schemas = hosts.map((host) => {
      const options = host.providers.get(JOBS_MODULE_OPTIONS)?.instance as JobsModuleOptions | undefined;
      return options ? jobsSchema(options) : undefined;
    });
    throw new JobsConfigurationError(
      DUPLICATE_JOBS_MODULE(hosts.length, schemas.every((s) => s !== undefined) ? schemas : []),
    );
  }
}

/** The cause of a failed start as a message: the error's own, with its SQLSTATE when it has one. */
function startErrorMessage(error: unknown): string {
  const { message, code, severity } = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  // A server's error (pg's DatabaseError carries a severity); Node's codes are in the message already.
  return typeof code === 'string' && typeof severity === 'string' ? `${text} (SQLSTATE ${code})` : text;
}

/** The longest wait between two attempts to start pg-boss. */
const START_RETRY_MAX_DELAY_MS = 8_000;
