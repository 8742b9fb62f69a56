import { performance } from 'node:perf_hooks';
import type { JobResult, JobWithMetadata, PgBoss, WorkOptions } from 'pg-boss';
import type { JobRunner } from './job.runner.js';
import type { JobEvent } from './interfaces/job-event.interface.js';

/**
 * How long, in ms, a fetched job may wait behind the jobs fetched with it. A slot that adapts its
 * batch size fetches as many jobs as its handler finishes in about this time.
 */
export const ADAPTIVE_BATCH_TARGET_MS = 20;
/** The most jobs an adapting slot fetches at once. */
export const ADAPTIVE_BATCH_MAX = 100;

/**
 * The batch size an adapting slot should fetch next: as many jobs as the handler ran in
 * {@link ADAPTIVE_BATCH_TARGET_MS}, judged on the last batch. It grows only after a full fetch (there
 * is a backlog to take), shrinks after any batch that ran long, and moves only when the new size
 * is at least double or at most half the current one, so a steady queue keeps its size.
 */
export function nextBatchSize(current: number, fetched: number, elapsedMs: number): number {
  const perJob = Math.max(elapsedMs, 0.001) / Math.max(fetched, 1);
  const fits = Math.floor(ADAPTIVE_BATCH_TARGET_MS / perJob);
  const target = Math.min(ADAPTIVE_BATCH_MAX, Math.max(1, fits));
  if (target >= current * 2 && fetched >= current) return target;
  if (target * 2 <= current) return target;
  return current;
}

/**
 * One concurrency slot of a handler: one pg-boss `work()` loop whose jobs run one after another.
 *
 * pg-boss sleeps a full polling interval after a fetch that was not a full batch and never bursts
 * at batch size 1, so a slot at batch size 1 wakes its own loop after each job (waking every loop
 * of the queue would cost up to `concurrency` empty fetches per job). Larger batches use pg-boss's
 * `burstWhenBatchFull`.
 *
 * An adapting slot starts at batch size 1 and fetches more jobs at once while its handler is quick
 * (see {@link nextBatchSize}): each fetch and each completion is a commit, and one commit for many
 * short jobs is what makes a busy queue fast. A handler that turns slow brings it back to 1 after
 * that batch, so jobs do not wait behind it. pg-boss fixes the batch size per `work()` call, so a
 * resize stops this loop (after its batch settled) and starts a new one.
 *
 * While an adapting slot fetches more than one job at once (its handler has proven quick), it runs
 * a second pg-boss loop beside the first: one loop fetches or records completions while the other's
 * jobs run, so the database round trips of one batch overlap the handler calls of the next. Jobs
 * still run one at a time (the loops take turns through {@link WorkerSlot.turn}), so the handler
 * sees the concurrency it declared. Back at batch size 1 (a slow handler) the second loop stops, so
 * no job waits fetched behind a slow one.
 */
export class WorkerSlot {
  private batchSize: number;
  private loopIds: string[] = [];
  private resizing: Promise<void> | undefined;
  private stopped = false;
  /** Settles when the batch running now has finished: the loops of this slot run one batch at a time. */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly boss: PgBoss,
    private readonly queue: string,
    private readonly options: WorkOptions,
    private readonly runner: JobRunner,
    private readonly adaptive: boolean,
  ) {
    this.batchSize = options.batchSize ?? 1;
  }

  /** The batch size this slot fetches now. */
  get currentBatchSize(): number {
    return this.batchSize;
  }

  /** How many pg-boss loops this slot runs now: two while an adapting slot fetches several jobs at once. */
  get loopCount(): number {
    return this.loopIds.length;
  }

  async start(): Promise<void> {
    const loops = this.adaptive && this.batchSize > 1 ? 2 : 1;
    for (let i = 0; i < loops; i++) {
      // Each loop's handler knows its loop: the runner holds the batch's outcome events until that
      // pg-boss loop has recorded the results (work() returns before its first fetch can land).
      let id = '';
      const hold = (events: JobEvent[]) => this.runner.holdUntilRecorded(id, events);
      id = await this.boss.work(this.queue, this.workOptions(), ((jobs: JobWithMetadata<object>[]) =>
        this.handle(jobs, hold)) as never);
      this.loopIds.push(id);
    }
  }

  /** Stops adapting and waits for a resize in flight, so no loop starts after this resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.resizing;
  }

  private workOptions(): WorkOptions {
    return {
      ...this.options,
      localConcurrency: 1,
      batchSize: this.batchSize,
      ...(this.batchSize > 1 ? { burstWhenBatchFull: true } : {}),
    };
  }

  private readonly handle = async (
    jobs: JobWithMetadata<object>[],
    hold: (events: JobEvent[]) => void,
  ): Promise<JobResult[]> => {
    const previous = this.turn;
    let done!: () => void;
    this.turn = new Promise<void>((resolve) => (done = resolve));
    let started = performance.now();
    const after = previous.then(() => {
      started = performance.now();
    });
    try {
      // pg-boss's fetch picks jobs by priority, then age, but UPDATE … RETURNING hands them back in
      // no particular order: run them in the order they were picked.
      if (jobs.length > 1 && !inFetchOrder(jobs)) jobs.sort(byFetchOrder);
      return await this.runner.handle(jobs, { sequential: true, after, hold });
    } finally {
      done();
      const next = this.adaptive
        ? nextBatchSize(this.batchSize, jobs.length, performance.now() - started)
        : this.batchSize;
      if (next !== this.batchSize && !this.resizing && !this.stopped) {
        this.resizing = this.resize(next);
      } else if (this.batchSize === 1 && this.loopIds.length === 1) {
        this.boss.notifyWorker(this.loopIds[0]!);
      }
    }
  };

  // Not awaited by the handler: the old loops stop only once their batches have been settled.
  private async resize(next: number): Promise<void> {
    try {
      const ids = this.loopIds;
      this.loopIds = [];
      await Promise.all(ids.map((id) => this.boss.offWork(this.queue, { id, wait: true })));
      if (this.stopped) return;
      this.batchSize = next;
      await this.start();
    } catch {
      // pg-boss stopped meanwhile (work() refuses a stopped instance): nothing left to run.
    } finally {
      this.resizing = undefined;
    }
  }
}

/** True when the batch already comes in the order pg-boss picked it (usual: one pass, no sort). */
function inFetchOrder(jobs: JobWithMetadata<object>[]): boolean {
  for (let i = 1; i < jobs.length; i++) if (byFetchOrder(jobs[i - 1]!, jobs[i]!) > 0) return false;
  return true;
}

function byFetchOrder(a: JobWithMetadata<object>, b: JobWithMetadata<object>): number {
  return b.priority - a.priority || a.createdOn.getTime() - b.createdOn.getTime();
}
