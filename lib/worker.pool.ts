import type { JobResult, JobWithMetadata, PgBoss, WorkOptions } from 'pg-boss';
import type { JobRunner } from './job.runner.js';
import { sortInFetchOrder } from './worker.slot.js';

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
  private id: string | undefined;
  /** Loops known to be running a handler call of this pool now. */
  private readonly claimed = new Set<string>();

  constructor(
    private readonly boss: PgBoss,
    private readonly queue: string,
    private readonly options: WorkOptions,
    private readonly runner: JobRunner,
    private readonly workers: number,
  ) {}

  async start(): Promise<void> {
    this.id = await this.boss.work(
      this.queue,
      { ...this.options, localConcurrency: this.workers },
      this.handle as never,
    );
  }

  /** Nothing to wait for: the pool never restarts its loops; pg-boss stops them. */
  async stop(): Promise<void> {}

  private readonly handle = async (jobs: JobWithMetadata<object>[]): Promise<JobResult[]> => {
    // Outcome events wait until the loop that runs this batch has recorded it (see SettleWatch). The
    // loops of one work() call share one handler, so the loop is found from pg-boss's worker data:
    // only when something observes events.
    const loops = this.runner.observed ? this.loopsHolding(jobs.length) : undefined;
    const claimed = loops?.length === 1 ? loops[0] : undefined;
    if (claimed !== undefined) this.claimed.add(claimed);
    try {
      sortInFetchOrder(jobs);
      return await this.runner.handle(
        jobs,
        loops ? { sequential: true, hold: (events) => this.runner.holdUntilRecorded(loops, events) } : { sequential: true },
      );
    } finally {
      if (claimed !== undefined) this.claimed.delete(claimed);
      if ((this.options.batchSize ?? 1) === 1) this.wakeBusyLoops();
    }
  };

  /**
   * The loops of this pool that may be running a batch of `size` jobs just handed over: those holding
   * that many jobs that no handler call in flight has claimed. Usually one; when two loops fetched
   * at once, both, and the events wait for both (a claim is only taken when it is certain).
   */
  private loopsHolding(size: number): string[] {
    const loops: string[] = [];
    for (const worker of this.boss.getWipData()) {
      if (worker.workId === this.id && worker.count === size && !this.claimed.has(worker.id)) loops.push(worker.id);
    }
    return loops;
  }

  private wakeBusyLoops(): void {
    for (const worker of this.boss.getWipData()) {
      if (worker.workId === this.id && worker.count > 0) this.boss.notifyWorker(worker.id);
    }
  }
}
