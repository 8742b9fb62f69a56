import type { JobResult, JobWithMetadata, PgBoss, WipData } from 'pg-boss';
import type { WorkPlan } from '../declare/resolve-handler-options.util.js';
import type { JobRunner } from './job.runner.js';
import type { JobEvent } from '../interfaces/job-event.interface.js';
import type { RateLimitGate } from './rate-limit.gate.js';
import { loopWorkOptions, sortInFetchOrder } from './worker.slot.js';

/**
 * All concurrency slots of a handler in one pg-boss `work()` call (`localConcurrency` =
 * `concurrency`), for a handler with `localGroupConcurrency`.
 *
 * pg-boss counts running jobs per group for the whole queue in this instance, but checks the limit
 * against the `localConcurrency` of each `work()` call: with one call per slot (`localConcurrency:
 * 1`) any limit above 1 is refused. One call with every slot makes the limit what it says, a bound
 * per group across the handler's slots in this instance. Such a handler never adapts its batch size
 * (group limits are checked per fetch), so nothing is lost by giving up per-slot loops.
 *
 * pg-boss sleeps a polling interval after a fetch at batch size 1 (it bursts only on full larger
 * batches), so after each job the pool wakes its loops that hold a job: each fetches again at
 * once, as a slot wakes its own loop. Loops that are idle are left to NOTIFY and polling, so a
 * quiet queue costs no empty fetches. That look-up reads pg-boss's in-memory worker list once a
 * job (the instance's loops, no database round trip); handlers without local group limits never
 * pay it.
 */
export class WorkerPool {
  /** The `work()` call that fetches now; `undefined` while paused. */
  private id: string | undefined;
  /**
   * Every `work()` call of this pool whose loops may still hold a batch: the current one, and those
   * told to stop by {@link pause} until their loops have ended.
   */
  private readonly ids = new Set<string>();
  /** Per loop, when the batch last handed to a handler call was fetched (its `lastFetchedOn`). */
  private readonly attributed = new Map<string, number | null>();
  private paused = false;
  private stopped = false;

  constructor(
    private readonly boss: PgBoss,
    private readonly queue: string,
    private readonly plan: WorkPlan,
    private readonly runner: JobRunner,
    /** The start permits of a rate-limited handler: each job takes one before it starts. */
    private readonly gate?: RateLimitGate,
  ) {}

  /** Starts the loops. A pool paused before it starts fetches nothing. */
  async start(): Promise<void> {
    if (this.paused) return;
    const id = await this.boss.work(
      this.queue,
      loopWorkOptions(this.plan.loop, this.plan.batchSize, this.plan.slots),
      this.handle as never,
    );
    this.ids.add(id);
    // Paused while work() was called (a resume and a pause in quick succession).
    if (this.paused) this.end(id);
    else this.id = id;
  }

  /** Starts no loop after this resolves ({@link resume}); pg-boss stops the running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
  }

  /**
   * Stops fetching until {@link resume}: the loops of the `work()` call fetch nothing more and end
   * once they have recorded the batches they hold, which run and settle as usual.
   */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    const id = this.id;
    this.id = undefined;
    if (id !== undefined) this.end(id);
  }

  /** Fetches again after {@link pause}: a new `work()` call with the same loops. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    // pg-boss refuses work() only once it is stopping: then nothing is to fetch anyway.
    if (!this.stopped) this.start().catch(() => undefined);
  }

  /** Tells the loops of one `work()` call to stop, and forgets the call once they have ended. */
  private end(id: string): void {
    void this.boss
      .offWork(this.queue, { id, wait: true })
      .catch(() => undefined)
      .finally(() => this.ids.delete(id));
  }

  private readonly handle = async (jobs: JobWithMetadata<object>[]): Promise<JobResult[]> => {
    // Outcome events wait until the loop that runs this batch has recorded it (see SettleWatch). The
    // loops of one work() call share one handler, so the loop is found from pg-boss's worker data:
    // only when something observes events.
    const loops = this.runner.observed ? this.loopsHolding(jobs.length) : undefined;
    try {
      sortInFetchOrder(jobs);
      const hold = loops ? (events: JobEvent[]) => this.runner.holdUntilRecorded(loops, events) : undefined;
      return await this.runner.handle(jobs, { sequential: true, ...(hold ? { hold } : {}), ...(this.gate ? { turn: this.gate.turn } : {}) });
    } finally {
      if (this.plan.batchSize === 1) this.wakeBusyLoops();
    }
  };

  /**
   * The loops of this pool that may be running a batch of `size` jobs just handed over. A loop's
   * batch is known by when it was fetched (`lastFetchedOn`); a batch already handed to a handler call
   * is remembered, so a loop still recording a batch whose call returned is no candidate for the
   * next. Usually one loop is left, and the batch is attributed to it. When two loops fetched at
   * once, both are returned and the events wait for both. None left (two fetches of one loop in one
   * millisecond): every loop holding jobs, so the events still wait for the right one.
   */
  private loopsHolding(size: number): string[] {
    const fresh: WipData[] = [];
    const busy: string[] = [];
    for (const worker of this.boss.getWipData()) {
      if (worker.count === 0 || !this.ids.has(worker.workId)) continue;
      busy.push(worker.id);
      if (worker.count === size && this.attributed.get(worker.id) !== worker.lastFetchedOn) fresh.push(worker);
    }
    if (fresh.length === 1) {
      this.attributed.set(fresh[0]!.id, fresh[0]!.lastFetchedOn);
      return [fresh[0]!.id];
    }
    return fresh.length > 1 ? fresh.map((worker) => worker.id) : busy;
  }

  private wakeBusyLoops(): void {
    for (const worker of this.boss.getWipData()) {
      // Loops told to stop by pause() are not woken: they are ending.
      if (worker.workId === this.id && worker.count > 0) this.boss.notifyWorker(worker.id);
    }
  }
}
