import type { JobResult, JobWithMetadata, PgBoss, WorkOptions } from 'pg-boss';
import type { JobRunner } from './job.runner.js';
import type { JobEvent } from './interfaces/job-event.interface.js';
import type { Job } from './interfaces/job.interface.js';

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

/** How often a batch waiting for the other lane looks whether that lane's fetch came back empty. */
const LANE_CHECK_MS = 5;
/** The longest a batch waits for the other lane before stopping it anyway. */
const LANE_WAIT_MAX_MS = 250;

/**
 * One pg-boss `work()` loop of a slot, as the slot tracks it. A lane is *held* while its batch is in
 * the slot's hands (the work callback runs) and *out* otherwise: recording its last results,
 * fetching, or sleeping after an empty fetch.
 */
interface Lane {
  /** The id `work()` returned, once it has. */
  id: string | undefined;
  /** Settles when `work()` has returned (rejects if it refused). */
  started: Promise<void>;
  held: boolean;
  /** When it last went out (Date.now(), the clock of pg-boss's worker data). */
  outAt: number;
  /** Set once the lane was told to stop: its loop fetches nothing more. Settles when it has ended. */
  stopping: Promise<void> | undefined;
}

/** A batch in the slot's hands: its runner goes through it one job at a time, asking for turns. */
interface Batch {
  lane: Lane;
  /**
   * A lane that was out when this batch landed: its fetch may have run beside this batch's and
   * taken jobs that rank first, so nothing of this batch starts before that lane lands or leaves.
   */
  waitFor: Lane | undefined;
  waitTimer: NodeJS.Timeout | undefined;
  /** The job its runner waits to start, and what starts it. */
  next: Job<unknown> | undefined;
  wake: (() => void) | undefined;
  /** Time its jobs have run so far (ms), counted while it is the slot's {@link WorkerSlot.current}. */
  busyMs: number;
}

/**
 * One concurrency slot of a handler: pg-boss `work()` loops whose jobs run one at a time.
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
 * resize stops this slot's loops (after their batches settled) and starts a new one.
 *
 * While an adapting slot takes full batches (a backlog), it runs a second loop (a *lane*) beside the
 * first: one lane records completions and fetches while the other's jobs run, and for a quick
 * handler the two lanes' round trips overlap each other. Jobs still run one at a time, so the
 * handler sees the concurrency it declared.
 *
 * Priority order. A fetch takes jobs by priority, then age; two fetches running at once split the
 * head of the queue between them (SKIP LOCKED: each skips the rows the other locked first), and
 * either may return first. So the slot runs the jobs of the batches it holds merged in priority,
 * then age order (each batch is sorted; a job asks for its turn, {@link WorkerSlot.turn}), and a
 * batch that landed while the other lane was out waits until that lane lands too (or leaves: a lane
 * whose fetch came back empty sleeps, so after a short wait it is stopped, and a new one is started
 * at the next full batch). A lane that went out after a batch landed fetches after it, so it can only
 * bring jobs that rank below that batch's, or were sent since. So no job this slot claims starts
 * before a job ranked above it that was queued when it was claimed (unless another slot took that
 * one); a job sent since waits behind at most the jobs the slot holds: two batches.
 *
 * A slot never runs more than two lanes (the second starts only beside a lone lane), and it never
 * loses its last one: the lane whose batch waits, and so may stop the other, holds that batch until
 * the other lands or leaves, so the other cannot stop it in turn. Only a resize stops both, and it
 * starts a new one.
 */
export class WorkerSlot {
  private batchSize: number;
  private lanes: Lane[] = [];
  private batches: Batch[] = [];
  /** The batch whose job runs now. */
  private running: Batch | undefined;
  /**
   * The batch whose jobs ran last, and since when (performance.now()): its time is counted when
   * another batch's job starts or it ends, so a batch that runs alone reads the clock twice.
   */
  private current: Batch | undefined;
  private currentSince = 0;
  private resizing: Promise<void> | undefined;
  private stopped = false;

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

  /** How many pg-boss loops this slot runs now: two while an adapting slot takes full batches. */
  get loopCount(): number {
    return this.lanes.length;
  }

  async start(): Promise<void> {
    await this.addLane();
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

  private addLane(): Promise<void> {
    const lane: Lane = { id: undefined, started: undefined!, held: false, outAt: Date.now(), stopping: undefined };
    this.lanes.push(lane);
    lane.started = this.boss.work(this.queue, this.workOptions(), ((jobs: JobWithMetadata<object>[]) =>
      this.handle(lane, jobs)) as never).then(
      (id) => {
        lane.id = id;
      },
      (error: unknown) => {
        this.leave(lane);
        throw error;
      },
    );
    return lane.started;
  }

  private async handle(lane: Lane, jobs: JobWithMetadata<object>[]): Promise<JobResult[]> {
    const full = jobs.length >= this.batchSize;
    lane.held = true;
    for (const batch of this.batches) if (batch.waitFor === lane) this.stopWaiting(batch);
    const out = this.lanes.find((other) => other !== lane && !other.held);
    // An out lane still recording its last batch has not begun its next fetch: that fetch comes after
    // this batch's claim, so this batch need not wait for it (no job it brings was passed over here).
    const overlaps = out !== undefined && full && !this.recording(out);
    const batch: Batch = {
      lane,
      waitFor: overlaps || !full ? out : undefined,
      waitTimer: undefined,
      next: undefined,
      wake: undefined,
      busyMs: 0,
    };
    this.batches.push(batch);
    if (out) {
      // A short batch means the queue ran dry: the other lane's fetch is most likely empty, and
      // that lane asleep. Stop it now (if it is still fetching, its batch lands first).
      if (overlaps) this.waitForLane(batch, out);
      else if (!full) void this.stopLane(out);
    }
    // A full batch: there is a backlog, so a second lane fetches the next batch while this one
    // runs. It goes out after this batch landed, so it fetches after it.
    if (this.adaptive && this.batchSize > 1 && full && this.lanes.length === 1 && !this.resizing && !this.stopped) {
      // Not awaited: the jobs run while it starts. A refusal (pg-boss stopping) leaves one lane.
      this.addLane().catch(() => undefined);
    }
    try {
      sortInFetchOrder(jobs);
      // A slot that never adapts has one lane, so its batches already come in claim order.
      // The batch's outcome events wait until this lane's pg-boss loop has recorded its results.
      const hold = (events: JobEvent[]) => this.runner.holdUntilRecorded(lane.id === undefined ? [] : [lane.id], events);
      return await this.runner.handle(
        jobs,
        this.adaptive ? { sequential: true, turn: (job) => this.turn(batch, job), hold } : { sequential: true, hold },
      );
    } finally {
      if (this.running === batch) this.running = undefined;
      if (this.current === batch) {
        batch.busyMs += performance.now() - this.currentSince;
        this.current = undefined;
      }
      this.stopWaiting(batch);
      this.batches = this.batches.filter((other) => other !== batch);
      lane.held = false;
      lane.outAt = Date.now();
      const next = this.adaptive ? nextBatchSize(this.batchSize, jobs.length, batch.busyMs) : this.batchSize;
      if (next !== this.batchSize && !this.resizing && !this.stopped) {
        this.resizing = this.resize(next);
      } else if (this.batchSize === 1 && this.lanes.length === 1 && lane.id !== undefined) {
        this.boss.notifyWorker(lane.id);
      }
      this.pick();
    }
  }

  /**
   * Called by the runner before each job of `batch`: starts it now (returns nothing) when no job of
   * the slot runs and it ranks first among the jobs the slot's batches wait to start, or returns
   * what starts it later.
   */
  private turn(batch: Batch, job: Job<unknown>): Promise<void> | undefined {
    if (this.running === batch) this.running = undefined;
    batch.next = job;
    this.pick();
    if (this.running === batch) return undefined;
    return new Promise<void>((resolve) => (batch.wake = resolve));
  }

  /**
   * Starts the job that ranks first, if no job runs and every batch held has said which job it
   * runs next (one still preparing its jobs may hold the first) and none waits for a lane.
   */
  private pick(): void {
    if (this.running) return;
    let first: Batch | undefined;
    for (const batch of this.batches) {
      if (batch.waitFor || !batch.next) return;
      if (!first || ranksBefore(batch.next, first.next!)) first = batch;
    }
    if (!first) return;
    if (first !== this.current) {
      const now = performance.now();
      if (this.current) this.current.busyMs += now - this.currentSince;
      this.current = first;
      this.currentSince = now;
    }
    this.running = first;
    first.next = undefined;
    const wake = first.wake;
    first.wake = undefined;
    wake?.();
  }

  /**
   * Waits for `lane` to land, looking every {@link LANE_CHECK_MS} whether its fetch has come back:
   * then it was empty (a batch would have landed), the lane sleeps until its next poll, and it is
   * stopped. A lane still recording its results or fetching is left to land (stopping it would
   * only cost a new lane at the next full batch), up to {@link LANE_WAIT_MAX_MS}. Runs only while a
   * batch waits (a backlog where both lanes went out together), reading pg-boss's in-memory worker
   * list.
   */
  private waitForLane(batch: Batch, lane: Lane): void {
    const deadline = Date.now() + LANE_WAIT_MAX_MS;
    const check = () => {
      batch.waitTimer = undefined;
      if (batch.waitFor !== lane) return;
      if (Date.now() >= deadline || this.fetchedSinceOut(lane)) {
        void this.stopLane(lane);
        return;
      }
      batch.waitTimer = setTimeout(check, LANE_CHECK_MS);
      batch.waitTimer.unref();
    };
    batch.waitTimer = setTimeout(check, LANE_CHECK_MS);
    batch.waitTimer.unref();
  }

  /**
   * Whether an out lane's loop still holds the jobs of its last batch: pg-boss is recording their
   * results, and its loop fetches again only after that (it lets go of its jobs, then fetches).
   * pg-boss's times are whole milliseconds: a fetch in the millisecond the lane went out reads as a
   * new batch, so the doubt falls on waiting.
   */
  private recording(lane: Lane): boolean {
    if (lane.id === undefined) return false;
    const worker = this.boss.getWipData().find((w) => w.id === lane.id);
    // Holding jobs it fetched since it went out is a batch on its way here, not a recording.
    return worker !== undefined && worker.count > 0 && (worker.lastFetchedOn ?? 0) < lane.outAt;
  }

  /**
   * Whether the loop of an out lane has fetched (or failed to) since it went out. pg-boss's times
   * are whole milliseconds, so a fetch in the very millisecond the lane went out reads as one:
   * stopping a lane is always safe, it only costs a new one.
   */
  private fetchedSinceOut(lane: Lane): boolean {
    if (lane.id === undefined) return false;
    const worker = this.boss.getWipData().find((w) => w.id === lane.id);
    return !worker || (worker.lastFetchedOn ?? 0) >= lane.outAt || (worker.lastErrorOn ?? 0) >= lane.outAt;
  }

  private stopWaiting(batch: Batch): void {
    batch.waitFor = undefined;
    if (batch.waitTimer) {
      clearTimeout(batch.waitTimer);
      batch.waitTimer = undefined;
    }
  }

  private stopLane(lane: Lane): Promise<void> {
    lane.stopping ??= (async () => {
      try {
        if (lane.id === undefined) await lane.started;
        // pg-boss marks the loop stopping before this first await: it fetches nothing after it.
        await this.boss.offWork(this.queue, { id: lane.id!, wait: true });
      } catch {
        // work() refused, or pg-boss stopped meanwhile: the loop is not running either way.
      } finally {
        this.leave(lane);
      }
    })();
    return lane.stopping;
  }

  /** A lane whose loop has ended: batches that waited for it may run. */
  private leave(lane: Lane): void {
    this.lanes = this.lanes.filter((other) => other !== lane);
    for (const batch of this.batches) if (batch.waitFor === lane) this.stopWaiting(batch);
    this.pick();
  }

  // Not awaited by the handler: the old lanes stop only once their batches have been settled.
  private async resize(next: number): Promise<void> {
    try {
      await Promise.all(this.lanes.map((lane) => this.stopLane(lane)));
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

function ranksBefore(a: Job<unknown>, b: Job<unknown>): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.createdOn.getTime() < b.createdOn.getTime());
}

/**
 * Puts a fetched batch in the order pg-boss picked it: priority, then age. pg-boss's fetch picks
 * jobs in that order, but UPDATE … RETURNING hands them back in no particular order. Usually one
 * pass and no sort.
 */
export function sortInFetchOrder(jobs: JobWithMetadata<object>[]): void {
  for (let i = 1; i < jobs.length; i++) {
    if (byFetchOrder(jobs[i - 1]!, jobs[i]!) > 0) {
      jobs.sort(byFetchOrder);
      return;
    }
  }
}

function byFetchOrder(a: JobWithMetadata<object>, b: JobWithMetadata<object>): number {
  return b.priority - a.priority || a.createdOn.getTime() - b.createdOn.getTime();
}
