import type { JobResult, JobWithMetadata, PgBoss, WorkOptions } from 'pg-boss';
import type { WorkPlan } from '../declare/resolve-handler-options.util.js';
import type { JobRunner } from './job.runner.js';
import type { RateLimitGate } from './rate-limit.gate.js';
import type { JobEvent } from '../interfaces/job-event.interface.js';
import type { Job } from '../interfaces/job.interface.js';

/**
 * How long, in ms, a fetched job may wait behind the jobs fetched with it. A slot that adapts its
 * batch size fetches as many jobs as its handler finishes in about this time.
 */
export const ADAPTIVE_BATCH_TARGET_MS = 20;
/** The most jobs an adapting slot fetches at once. */
export const ADAPTIVE_BATCH_MAX = 200;

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
 * One pg-boss `work()` loop of a slot, as the slot tracks it. A lane is *in hand* while its batch is
 * in the slot's hands (the work callback runs) and *out* otherwise: recording its last results,
 * fetching, or sleeping until its next poll. A lane is *retired* when told to stop: a lane retired in
 * hand records that batch and ends without fetching again; one retired while out may still land the
 * batch of a fetch under way.
 */
interface Lane {
  /** The id `work()` returned, once it has. */
  id: string | undefined;
  /** Settles when `work()` has returned (rejects if it refused). */
  started: Promise<void>;
  /** The batch size its loop fetches. */
  size: number;
  inHand: boolean;
  retired: boolean;
  /** Retired, and will fetch nothing more: it was retired in hand, or has landed since. */
  final: boolean;
}

/** A batch in the slot's hands: its runner goes through it one job at a time, asking for turns. */
interface Batch {
  /** The job its runner waits to start, and what starts it. */
  next: Job<unknown> | undefined;
  wake: (() => void) | undefined;
  /** Time its jobs have run so far (ms), counted while it is the slot's {@link WorkerSlot.current}. */
  busyMs: number;
}

/**
 * One concurrency slot of a handler: pg-boss `work()` loops (*lanes*) whose jobs run one at a time.
 *
 * pg-boss sleeps a full polling interval after a fetch that was not a full batch and never bursts
 * at batch size 1, so a slot at batch size 1 wakes its own loop after each job (waking every loop
 * of the queue would cost up to `concurrency` empty fetches per job). A slot that does not adapt
 * keeps one loop, and larger batches use pg-boss's `burstWhenBatchFull`.
 *
 * An adapting slot starts at batch size 1 and fetches more jobs at once while its handler is quick
 * (see {@link nextBatchSize}): each fetch and each completion is a commit, and one commit for many
 * short jobs is what makes a busy queue fast. A handler that turns slow brings it back to 1 after
 * that batch, so jobs do not wait behind it. pg-boss fixes the batch size per `work()` call, so a
 * new size is a new lane.
 *
 * Above batch size 1, a lane that lands a full batch (a backlog) is retired at once: its loop
 * records that batch and ends. The next batch is fetched by a new lane, started as soon as no other
 * lane is out and the slot holds fewer than two batches (whenever every lane is retired, after a
 * resize too, one new lane goes out, so a slot never stops fetching). So the next fetch runs while this batch's
 * jobs run, and while the last batch is recorded: for a quick handler the jobs, the fetch and the
 * completions overlap. A batch that comes back short (the queue ran dry) leaves its lane running,
 * to sleep and poll as pg-boss's loops do.
 *
 * Priority order. A fetch takes jobs by priority, then age; two fetches running at once would split
 * the head of the queue between them (SKIP LOCKED: each skips the rows the other locked first), and
 * either could land first. A slot never has two lanes out: a lane goes out only when every other
 * lane is in hand or will fetch nothing more, so each fetch of a slot starts after the previous one
 * landed. The slot runs the jobs of the batches it holds merged in priority, then age order (each
 * batch is sorted; a job asks for its turn, {@link WorkerSlot.turn}): a later batch can rank first
 * only with jobs sent after the earlier one was claimed. So no job this slot claims starts before a
 * job ranked above it that was queued when it was claimed (unless another slot took that one), and
 * a job sent since waits behind at most the jobs the slot holds: two batches.
 *
 * A slot of a rate-limited handler (`rateLimit`) never adapts: it fetches one job at a time, which
 * waits in the slot for its start permit ({@link RateLimitGate}).
 *
 * A paused slot (its queue paused with `JobsService.pauseQueue`) retires every lane and sends none
 * out until it is resumed; the jobs it holds run and settle as usual. Nothing on the job path looks
 * at it: only {@link fetchNext}, which runs once per batch, checks one more flag.
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
  private stopped = false;
  /** Paused ({@link pause}): no lane goes out until {@link resume}. */
  private paused = false;

  private readonly adaptive: boolean;

  constructor(
    private readonly boss: PgBoss,
    private readonly queue: string,
    private readonly plan: WorkPlan,
    private readonly runner: JobRunner,
    /** The start permits of a rate-limited handler (never with an adaptive plan). */
    private readonly gate?: RateLimitGate,
  ) {
    this.batchSize = plan.batchSize;
    this.adaptive = plan.adaptive;
  }

  /** Starts fetching: its first lane, at the plan's batch size. A slot paused before it starts fetches nothing. */
  async start(): Promise<void> {
    if (this.paused) return;
    await this.addLane(this.batchSize);
  }

  /** Stops adapting: no loop starts after this resolves (pg-boss's `offWork` stops the running ones). */
  async stop(): Promise<void> {
    this.stopped = true;
  }

  /**
   * Stops fetching until {@link resume}: every lane is retired, so its loop fetches nothing more and
   * ends once it has recorded the batch it holds. The jobs the slot holds (running, or fetched with
   * them) run and settle as usual; a fetch already under way may still land one batch, which runs too.
   */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const lane of this.lanes) this.retire(lane);
  }

  /** Fetches again after {@link pause}: a new lane goes out as soon as no retired one may still fetch. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.fetchNext();
  }

  private addLane(size: number): Promise<void> {
    const lane: Lane = { id: undefined, started: undefined!, size, inHand: false, retired: false, final: false };
    this.lanes.push(lane);
    lane.started = this.boss.work(this.queue, loopWorkOptions(this.plan.loop, size, 1), ((jobs: JobWithMetadata<object>[]) =>
      this.handle(lane, jobs)) as never).then(
      (id) => {
        lane.id = id;
      },
      (error: unknown) => {
        // pg-boss refuses work() only once it is stopping: no lane can start any more.
        this.stopped = true;
        this.leave(lane);
        throw error;
      },
    );
    return lane.started;
  }

  private async handle(lane: Lane, jobs: JobWithMetadata<object>[]): Promise<JobResult[]> {
    lane.inHand = true;
    if (lane.retired) lane.final = true;
    const batch: Batch = { next: undefined, wake: undefined, busyMs: 0 };
    this.batches.push(batch);
    if (this.adaptive && lane.size > 1 && jobs.length >= lane.size) {
      // A full batch: there is a backlog. This lane ends once it has recorded the batch, and a new
      // one fetches the next batch while this one runs.
      this.retire(lane);
      this.fetchNext();
    }
    try {
      sortInFetchOrder(jobs);
      // The batch's outcome events wait until this lane's pg-boss loop has recorded its results.
      const hold = (events: JobEvent[]) => this.runner.holdUntilRecorded(lane.id === undefined ? [] : [lane.id], events);
      const turn = this.adaptive ? (job: Job<unknown>) => this.turn(batch, job) : this.gate?.turn;
      return await this.runner.handle(jobs, turn ? { sequential: true, turn, hold } : { sequential: true, hold });
    } finally {
      if (this.running === batch) this.running = undefined;
      if (this.current === batch) {
        batch.busyMs += performance.now() - this.currentSince;
        this.current = undefined;
      }
      this.batches = this.batches.filter((other) => other !== batch);
      // Still in hand: a lane retired here records this batch and ends without fetching again.
      if (this.adaptive) this.resize(nextBatchSize(this.batchSize, jobs.length, batch.busyMs));
      lane.inHand = false;
      if (!lane.retired && lane.size === 1 && lane.id !== undefined) this.boss.notifyWorker(lane.id);
      this.fetchNext();
      this.pick();
    }
  }

  /**
   * Takes a new batch size: lanes fetching another size are retired, and a lane of the new size
   * goes out once they are in hand or gone.
   */
  private resize(next: number): void {
    if (next === this.batchSize || this.stopped) return;
    this.batchSize = next;
    for (const lane of this.lanes) if (!lane.retired && lane.size !== next) this.retire(lane);
  }

  /**
   * Keeps one lane running: when every lane is retired, starts a new one of the current batch size,
   * once none of them may still fetch (so no two fetches of this slot run at once) and the slot
   * holds fewer than two batches. None while stopped or paused.
   */
  private fetchNext(): void {
    if (this.stopped || this.paused || this.batches.length >= 2) return;
    if (this.lanes.some((lane) => !lane.retired || !lane.final)) return;
    // Not awaited: the jobs in hand run while it starts. A refusal (pg-boss stopping) stops the slot.
    this.addLane(this.batchSize).catch(() => undefined);
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
   * runs next (one still preparing its jobs may hold the first).
   */
  private pick(): void {
    if (this.running) return;
    let first: Batch | undefined;
    for (const batch of this.batches) {
      if (!batch.next) return;
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
   * Tells a lane's loop to fetch nothing more (pg-boss marks it stopping before its first await),
   * and forgets the lane once the loop has ended: then a new lane may go out.
   */
  private retire(lane: Lane): void {
    if (lane.inHand) lane.final = true;
    // Told once: a lane retired while out that then lands a full batch is already on its way out.
    if (lane.retired) return;
    lane.retired = true;
    void (async () => {
      try {
        if (lane.id === undefined) await lane.started;
        await this.boss.offWork(this.queue, { id: lane.id!, wait: true });
      } catch {
        // work() refused, or pg-boss stopped meanwhile: the loop is not running either way.
      } finally {
        this.leave(lane);
      }
    })();
  }

  /** A lane whose loop has ended. */
  private leave(lane: Lane): void {
    this.lanes = this.lanes.filter((other) => other !== lane);
    this.fetchNext();
  }
}

/**
 * The `work()` options of one loop: the plan's shared options with its local concurrency and batch
 * size. A loop whose fetch came back full fetches again at once instead of sleeping a polling
 * interval (pg-boss ignores `burstWhenBatchFull` at batch size 1: the slots wake those loops).
 */
export function loopWorkOptions(loop: WorkOptions, batchSize: number, localConcurrency: number): WorkOptions {
  return { ...loop, localConcurrency, batchSize, ...(batchSize > 1 ? { burstWhenBatchFull: true } : {}) };
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
