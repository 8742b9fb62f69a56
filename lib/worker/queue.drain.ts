import type { PgBoss } from 'pg-boss';
import type { Subscription } from 'rxjs';
import type { DrainJobsOptions, DrainJobsResult } from '../interfaces/drain.interface.js';
import type { JobEvent } from '../interfaces/job-event.interface.js';
import type { RegisteredHandler } from '../interfaces/registered-handler.interface.js';
import type { JobEventsBus } from '../runtime/job-events.bus.js';
import { workPlan } from '../declare/resolve-handler-options.util.js';
import { JobAbortedError } from '../errors/job-aborted.error.js';
import { DRAIN_DEADLINE } from '../errors/jobs.messages.js';
import type { JobRunner } from './job.runner.js';
import type { RateLimitPermits } from './rate-limit.gate.js';
import type { WorkerSlot } from './worker.slot.js';
import type { WorkerPool } from './worker.pool.js';
import { handlerSlots } from './handler-slots.js';
import type { JobsLogger } from '../module/jobs.logger.js';

/** How often, in ms, a drain looks whether it is done (nothing due, nothing running). */
export const DRAIN_CHECK_MS = 100;

/** How long, in ms, a drain waits for the outcome events of the jobs recorded as its loops ended. */
const OUTCOME_EVENTS_WAIT_MS = 5_000;

/** What a drain needs from the orchestrator. */
export interface DrainContext {
  readonly boss: PgBoss;
  readonly events: JobEventsBus;
  /** A runner for a handler, wired as the orchestrator's workers are. */
  runner(handler: RegisteredHandler): JobRunner;
  /** Whether any job of these queues is due now (waiting, not deferred, not blocked by a flow). */
  due(queues: readonly string[]): Promise<boolean>;
  readonly permits: RateLimitPermits;
  readonly logger: JobsLogger | undefined;
  /** How long jobs running at `maxSeconds` get to finish (the module's `shutdownTimeoutMs`). */
  readonly graceMs: number;
}

/**
 * One `JobsService.drain`: the handlers' worker slots, started for these queues only, fetching one job
 * per slot at a time (no adaptive batches: a slot holds at most one job it has not started), until
 * nothing is due, `maxJobs` have started or `maxSeconds` ran out; then they stop fetching, the jobs
 * they hold finish (or, past the grace, are aborted and failed back to retry), and the loops end.
 * No claimed job is left behind: the drain resolves only once every job it started is recorded.
 */
export class QueueDrain {
  private readonly started = new Set<string>();
  private readonly settled = new Set<string>();
  private completed = 0;
  private failed = 0;
  private readonly slots: (WorkerSlot | WorkerPool)[] = [];
  private readonly runners = new Map<string, JobRunner>();
  private stopFetching: DrainJobsResult['stoppedBy'] | undefined;

  constructor(
    private readonly context: DrainContext,
    private readonly handlers: readonly RegisteredHandler[],
    private readonly options: DrainJobsOptions,
  ) {}

  async run(): Promise<DrainJobsResult> {
    const queues = new Set(this.handlers.map((handler) => handler.queue));
    const subscription: Subscription = this.context.events.events$.subscribe((event) => {
      if (queues.has(event.queue)) this.count(event);
    });
    const deadline = this.options.maxSeconds === undefined ? Infinity : Date.now() + this.options.maxSeconds * 1000;
    try {
      for (const handler of this.handlers) await this.startSlots(handler);
      // Fetching: until nothing is due and nothing runs, maxJobs started, or the deadline.
      while (this.stopFetching === undefined) {
        await sleep(Math.max(0, Math.min(DRAIN_CHECK_MS, deadline - Date.now())));
        if (Date.now() >= deadline) this.stop('maxSeconds');
        else if (this.running() === 0 && !this.holding(queues) && !(await this.context.due([...queues]))) this.stop('idle');
      }
      // Stopped fetching: the jobs held finish; past the grace they are aborted and failed back.
      const grace = this.stopFetching === 'maxSeconds' ? Date.now() + this.context.graceMs : Infinity;
      while (this.running() > 0 && Date.now() < grace) await sleep(DRAIN_CHECK_MS);
      if (this.running() > 0) this.abortRunning();
      while (this.running() > 0) await sleep(DRAIN_CHECK_MS);
    } finally {
      // Every loop ends (each records the batch it holds first), then nothing more is counted.
      for (const slot of this.slots) slot.pause();
      await Promise.all([...queues].map((queue) => this.context.boss.offWork(queue, { wait: true }).catch(() => undefined)));
      // Every batch is recorded now; its outcome events follow once pg-boss's loop moved on (SettleWatch).
      const late = Date.now() + OUTCOME_EVENTS_WAIT_MS;
      while (this.running() > 0 && Date.now() < late) await sleep(DRAIN_CHECK_MS);
      subscription.unsubscribe();
    }
    return { started: this.started.size, completed: this.completed, failed: this.failed, stoppedBy: this.stopFetching! };
  }

  private async startSlots(handler: RegisteredHandler): Promise<void> {
    const runner = this.context.runner(handler);
    this.runners.set(handler.queue, runner);
    const { boss, permits, logger } = this.context;
    const plan = { ...workPlan(handler), adaptive: false };
    for (const slot of handlerSlots(boss, handler.queue, plan, runner, permits, logger)) {
      this.slots.push(slot);
      if (this.stopFetching !== undefined) slot.pause();
      await slot.start();
    }
  }


  private count(event: JobEvent): void {
    if (event.type === 'started') {
      this.started.add(event.jobId);
      if (this.options.maxJobs !== undefined && this.started.size >= this.options.maxJobs) this.stop('maxJobs');
    } else if (event.type === 'completed' || event.type === 'failed') {
      if (this.settled.has(event.jobId)) return;
      this.settled.add(event.jobId);
      if (event.type === 'completed') this.completed++;
      else this.failed++;
    }
  }

  /** Whether a loop of these queues holds fetched jobs (a job fetched whose `started` is not out yet). */
  private holding(queues: ReadonlySet<string>): boolean {
    return this.context.boss.getWipData().some((loop) => queues.has(loop.name) && loop.count > 0);
  }

  /** Jobs started and not yet recorded. */
  private running(): number {
    let n = 0;
    for (const id of this.started) if (!this.settled.has(id)) n++;
    return n;
  }

  private stop(reason: DrainJobsResult['stoppedBy']): void {
    if (this.stopFetching !== undefined) return;
    this.stopFetching = reason;
    for (const slot of this.slots) slot.pause();
  }

  /** Aborts the jobs still running: each handler's signal aborts, and the runner fails the job back. */
  private abortRunning(): void {
    for (const id of this.started) {
      if (this.settled.has(id)) continue;
      for (const [queue, runner] of this.runners) {
        const reason = new JobAbortedError('shutdown', queue, id, DRAIN_DEADLINE(queue, id, this.options.maxSeconds!));
        if (runner.abort(id, reason)) break;
      }
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
