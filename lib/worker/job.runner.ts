import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { Job, JobProgress } from '../interfaces/job.interface.js';
import { checkProgress, ProgressReporter, type ProgressStorage } from './job-progress.js';
import type { BatchJobResult } from '../interfaces/batch-result.interface.js';
import type { JobEvent, JobEventType } from '../interfaces/job-event.interface.js';
import type { RegisteredHandler } from '../interfaces/registered-handler.interface.js';
import type { JobEventsBus } from '../runtime/job-events.bus.js';
import type { JobsLogger } from '../module/jobs.logger.js';
import type { SettleWatch } from '../backend/pg-boss/settle.watch.js';
import { JobAbortedError } from '../errors/job-aborted.error.js';
import { checkPayloadShape, validateFetchedPayload } from '../declare/validate-payload.util.js';
import { serializeError } from '../utils/serialize-error.util.js';
import {
  batchCall,
  composeAbandon,
  composeHandlerCall,
  composePrepare,
  singleCall,
  type HandlerCall,
  type HandlerCallChain,
  type HandlerCallInterceptor,
} from './handler-call.js';
import {
  ABANDONED_HANDLER_SETTLED,
  HANDLER_ABANDONED,
  HANDLER_ABANDON_LIMIT,
  JOB_CLAIM_LOST,
  JOB_SHUT_DOWN,
  JOB_TIMED_OUT,
} from '../errors/jobs.messages.js';

/**
 * How long a handler gets to settle once its job's signal aborted (pg-boss failed the job at its
 * `expireInSeconds`, it was cancelled, or shutdown ran out of time) before its worker slot stops
 * waiting for it and takes the next job.
 */
export const ABANDON_AFTER_ABORT_MS = 2_000;
/**
 * How often, in ms, a runner with handler calls in flight looks for calls whose jobs' signals have
 * all aborted (pg-boss's timeout, heartbeat or shutdown); `JobsService.cancel` is noticed at once.
 * So a handler is abandoned between {@link ABANDON_AFTER_ABORT_MS} and that plus this after the abort.
 */
export const ABORT_SWEEP_MS = 500;
/**
 * How close, in ms, a batch must be to its timeout for pg-boss's abort to count as that timeout: its
 * timer may fire a little before the runner's clock says the time is up.
 */
const TIMEOUT_TOLERANCE_MS = 50;

/** How the runner is wired to pg-boss; the testing kit passes none of it. */
export interface JobRunnerPgBoss {
  /** Holds the outcome events of a pg-boss loop's batch until pg-boss has recorded the batch's results. */
  readonly watch: SettleWatch;
}

/**
 * Turns a registered handler into the function pg-boss calls with each fetched batch. Every job is
 * validated, run and settled on its own (pg-boss `perJobResults`), so one failing job never fails
 * its neighbours, and a job with an invalid payload goes straight to the dead-letter queue without
 * burning retries. Every handler call goes through one chain, composed once per runner (see
 * `composeHandlerCall`): the job's `JobContext` (AsyncLocalStorage), then the interceptors, then the
 * handler; the abandoned-handler guard and the events sit around that chain.
 *
 * The outcome events of a batch (`completed`, `failed`, `retried`, `dead-lettered`) are built only when
 * something observes the events bus, and are emitted once the outcome is recorded: handed to the
 * caller's `hold`, which emits them when it has recorded the results. `started` is emitted at once.
 */
export class JobRunner {
  /** Jobs running in this instance, by id, so `JobsService.cancel` can abort them locally. */
  private readonly running = new Map<string, LocalAbort>();
  /** Handlers whose slot stopped waiting for them and that have not settled yet. */
  private abandoned = 0;
  /** The abort check of each handler call in flight, run by the sweep: no listener per job. */
  private readonly calls = new Set<() => void>();
  private sweeper: NodeJS.Timeout | undefined;
  /** The handler inside its job context and interceptors: the only way the runner calls it. */
  private readonly call: HandlerCallChain;
  /** Stores what handlers report with `job.updateProgress`; none: reports are checked and dropped. */
  private readonly progress: ProgressReporter | undefined;
  /** The interceptors' per-batch step (`HandlerCallInterceptor.prepare`), if any has one. */
  private readonly prepareBatch: ReturnType<typeof composePrepare>;
  /** The interceptors' step for a call the runner gave up on (`HandlerCallInterceptor.abandon`), if any has one. */
  private readonly abandonCall: ReturnType<typeof composeAbandon>;

  constructor(
    private readonly handler: RegisteredHandler,
    private readonly events: JobEventsBus,
    private readonly logger: JobsLogger | undefined,
    /**
     * With pg-boss: its aborts of a job's signal are turned into {@link JobAbortedError}s (without it, a
     * job's signal aborts with the reason of the signal it was handed, as the testing kit's).
     */
    private readonly pgBoss?: JobRunnerPgBoss,
    /**
     * Wrap every handler call, the first one outermost (internal: tracing when the module's
     * `openTelemetry` is on; none otherwise).
     */
    interceptors: readonly HandlerCallInterceptor[] = [],
    /** Where `job.updateProgress` stores values (the backend's `setProgress`), and how often. */
    progress?: ProgressStorage,
  ) {
    this.call = composeHandlerCall(interceptors, handler.invoke);
    this.progress = progress ? new ProgressReporter(progress, events, logger) : undefined;
    this.prepareBatch = composePrepare(interceptors);
    this.abandonCall = composeAbandon(interceptors);
  }

  /** Whether anything observes job events: a caller may skip the work of holding them otherwise. */
  get observed(): boolean {
    return this.events.observed;
  }

  /**
   * Emits outcome events once pg-boss's worker loops `loops` have recorded the results their handler
   * calls are about to return (the `hold` a worker slot passes for its loop; a pool passes every
   * loop that may be the one running this batch). No loop known: emitted now.
   */
  holdUntilRecorded(loops: readonly string[], events: JobEvent[]): void {
    if (this.pgBoss && loops.length > 0) this.pgBoss.watch.hold(loops, events);
    else this.events.emitAll(events);
  }

  /**
   * The pg-boss work handler. `sequential` runs the jobs of a single-job handler one after another
   * (the batch one slot fetched) instead of all at once. `turn`, with `sequential`: called before
   * each job starts; a promise it returns holds the job until it settles (the slot runs another
   * batch's job first). The jobs are registered at once, so `cancel` reaches them while they wait.
   * `hold`: receives the batch's outcome events, to emit once the results this returns are
   * recorded; without it they are emitted as this returns.
   */
  readonly handle = async (
    jobs: JobWithMetadata<object>[],
    {
      sequential = false,
      turn,
      hold,
    }: {
      sequential?: boolean;
      turn?: (job: Job<unknown>) => Promise<void> | undefined;
      hold?: (events: JobEvent[]) => void;
    } = {},
  ): Promise<JobResult[]> => {
    // The start of pg-boss's timer for this batch (it calls the handler, then arms it): tells its
    // timeout from its shutdown when it aborts a job's signal.
    const batch: Batch = { startedAt: performance.now(), jobs, classify: this.pgBoss !== undefined };
    // Nothing observes events: no event objects at all.
    const out: JobEvent[] | undefined = this.events.observed ? [] : undefined;
    const raws = new Map(jobs.map((raw) => [raw.id, raw]));
    // Without a schema the check is synchronous: no promise per job on the hot path.
    const prepared = this.handler.definition.schema
      ? await Promise.all(jobs.map((raw) => this.prepare(raw, batch)))
      : jobs.map((raw) => this.prepareChecked(raw, batch));
    const results: JobResult[] = [];
    const valid: Job<unknown>[] = [];
    for (const item of prepared) {
      if ('invalid' in item) results.push(this.deadLetterInvalid(item.raw, item.invalid, out));
      else valid.push(item.job);
    }
    try {
      if (this.prepareBatch !== undefined && valid.length > 0) {
        const preparing = this.prepareBatch(this.handler.queue, valid, jobs.length);
        if (preparing) await preparing;
      }
      if (valid.length > 0 && this.handler.kind === 'batch') {
        results.push(...(await this.runBatch(valid, raws, out, batch)));
      } else if (sequential) {
        for (const job of valid) {
          const wait = turn?.(job);
          if (wait) await wait;
          // Aborted before its turn: pg-boss already failed it (the batch ran past its expiry, or
          // shutdown ran out of time) or it was cancelled. Running it now would only run it twice.
          const reason = this.abortedBy(job, raws);
          if (reason !== undefined) {
            RunningJob.settle(job);
            if (out) this.failedEvents(out, job, reason, undefined, raws);
            results.push({ id: job.id, status: 'failed', output: serializeError(reason) });
          } else {
            results.push(await this.runOne(job, raws, out));
          }
        }
      } else {
        results.push(...(await Promise.all(valid.map((job) => this.runOne(job, raws, out)))));
      }
    } finally {
      // The last progress values are stored before the outcome is: a reader of a completed job
      // sees its final progress. Nothing to do for jobs that never reported.
      if (this.progress?.active) await Promise.all(valid.map((job) => this.progress!.settle(job.id)));
      for (const job of valid) this.running.delete(job.id);
    }
    if (out !== undefined && out.length > 0) {
      if (hold) hold(out);
      else this.events.emitAll(out);
    }
    return results;
  };

  /** Aborts the signal of a job running here; true when it was running. */
  abort(jobId: string, reason: unknown): boolean {
    const local = this.running.get(jobId);
    if (!local) return false;
    (local.controller ??= new AbortController()).abort(reason);
    local.onAbort?.();
    return true;
  }

  /**
   * Why the job's signal aborted, when it did (pg-boss failed the job at its timeout or at shutdown,
   * or it was cancelled): the database then holds that outcome, whatever the handler does next.
   */
  private abortedBy(job: Job<unknown>, raws: Map<string, JobWithMetadata<object>>): unknown {
    const local = this.running.get(job.id);
    const raw = raws.get(job.id);
    if (raw?.signal?.aborted) return local ? reasonOf(raw, local) : raw.signal.reason;
    const signal = local?.controller?.signal;
    return signal?.aborted ? (signal.reason ?? new Error('aborted')) : undefined;
  }

  private async prepare(raw: JobWithMetadata<object>, batch: Batch): Promise<Prepared> {
    try {
      return this.build(raw, await validateFetchedPayload(this.handler.definition, raw.data), batch);
    } catch (error) {
      return { raw, invalid: error };
    }
  }

  private prepareChecked(raw: JobWithMetadata<object>, batch: Batch): Prepared {
    try {
      checkPayloadShape(this.handler.definition, raw.data);
    } catch (error) {
      return { raw, invalid: error };
    }
    return this.build(raw, raw.data, batch);
  }

  private build(raw: JobWithMetadata<object>, data: unknown, batch: Batch): Prepared {
    const local: LocalAbort = { batch };
    this.running.set(raw.id, local);
    return { job: new RunningJob(raw, data, local, this.progress) };
  }

  private async runOne(
    job: Job<unknown>,
    raws: Map<string, JobWithMetadata<object>>,
    out: JobEvent[] | undefined,
  ): Promise<JobResult> {
    this.emit('started', job);
    const started = performance.now();
    try {
      const call = singleCall(this.handler.queue, this.handler.owner, job);
      const output = toOutput(await this.settleOrAbandon(this.call(call), call, raws));
      RunningJob.settle(job);
      if (out) this.completedEvents(out, job, output, performance.now() - started, raws);
      return { id: job.id, status: 'completed', output };
    } catch (error) {
      RunningJob.settle(job);
      return this.failed(job, error, performance.now() - started, raws, out);
    }
  }

  /**
   * The handler's outcome; or, once the signals of all its jobs aborted and it has not settled
   * {@link ABANDON_AFTER_ABORT_MS} later, a rejection that frees its worker slot. pg-boss has failed
   * (or cancel has settled) those jobs by then, so no result of theirs can land, and a slot that kept
   * waiting would run nothing more in this instance (pg-boss's worker fetches nothing until the
   * handler returns). The handler runs on in the background; at most `concurrency` abandoned
   * handlers are tolerated at once, beyond which the slot waits as pg-boss would, so a handler that
   * always hangs cannot pile up without bound. The interceptors are told (`abandon`), so the call's
   * span ends with the runner giving up rather than whenever, if ever, the handler settles.
   *
   * The aborts are looked for every {@link ABORT_SWEEP_MS} by one timer per runner rather than
   * through a listener on each job's signal: adding and removing those listeners cost more than a
   * no-op handler's job (CPU profile of perf/run.mjs).
   */
  private settleOrAbandon<T>(
    running: Promise<T>,
    call: HandlerCall,
    raws: Map<string, JobWithMetadata<object>>,
  ): Promise<T> {
    const { jobs } = call;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const signals = jobs.map((job) => raws.get(job.id)?.signal);
      const locals = jobs.map((job) => this.running.get(job.id));
      const aborted = (i: number) => signals[i]?.aborted === true || locals[i]?.controller?.signal.aborted === true;
      const cleanup = () => {
        settled = true;
        clearTimeout(timer);
        this.calls.delete(arm);
        for (const local of locals) if (local) local.onAbort = undefined;
      };
      const abandon = () => {
        timer = undefined;
        if (settled) return;
        if (this.abandoned >= Math.max(1, this.handler.options.concurrency ?? 1)) {
          this.logger?.error(HANDLER_ABANDON_LIMIT(this.handler.queue, this.abandoned));
          return;
        }
        const ids = jobs.map((job) => job.id);
        const since = performance.now();
        this.abandoned++;
        const error = new Error(HANDLER_ABANDONED(this.handler.queue, ids, ABANDON_AFTER_ABORT_MS));
        this.logger?.error(error.message);
        const done = () => {
          this.abandoned--;
          this.logger?.warn(ABANDONED_HANDLER_SETTLED(this.handler.queue, ids, (performance.now() - since) / 1000));
        };
        running.then(done, done);
        cleanup();
        this.abandonCall?.(call, error);
        reject(error);
      };
      const arm = (): void => {
        if (settled || timer !== undefined) return;
        for (let i = 0; i < jobs.length; i++) if (!aborted(i)) return;
        this.calls.delete(arm);
        timer = setTimeout(abandon, ABANDON_AFTER_ABORT_MS);
        timer.unref();
      };
      for (const local of locals) if (local) local.onAbort = arm;
      this.calls.add(arm);
      this.sweepWhileRunning();
      arm();
      running.then(
        (value) => {
          cleanup();
          resolve(value);
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
    });
  }

  /** Runs the abort checks every {@link ABORT_SWEEP_MS} while calls are in flight; stops when none are. */
  private sweepWhileRunning(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      if (this.calls.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
        return;
      }
      for (const arm of this.calls) arm();
    }, ABORT_SWEEP_MS);
    this.sweeper.unref();
  }

  private async runBatch(
    jobs: Job<unknown>[],
    raws: Map<string, JobWithMetadata<object>>,
    out: JobEvent[] | undefined,
    batch: Batch,
  ): Promise<JobResult[]> {
    for (const job of jobs) this.emit('started', job);
    const started = performance.now();
    let returned: unknown;
    try {
      const call = batchCall(this.handler.queue, this.handler.owner, jobs);
      returned = await this.settleOrAbandon(this.call(call), call, raws);
    } catch (error) {
      const durationMs = performance.now() - started;
      batch.settled = true;
      return jobs.map((job) => this.failed(job, error, durationMs, raws, out));
    }
    batch.settled = true;
    const durationMs = performance.now() - started;
    const byId = new Map<string, BatchJobResult>();
    if (Array.isArray(returned)) {
      for (const result of returned as BatchJobResult[]) byId.set(result?.id, result);
    }
    return jobs.map((job): JobResult => {
      const result = Array.isArray(returned)
        ? (byId.get(job.id) ?? {
            id: job.id,
            status: 'failed',
            output: { message: 'the batch handler returned no result for this job' },
          })
        : { id: job.id, status: 'completed' as const };
      if (result.status === 'completed') {
        // Stored as a single handler's result is, so the event and the testing kit hold what pg-boss stores.
        const output = toOutput(result.output);
        if (out) this.completedEvents(out, job, output, durationMs, raws);
        return { id: job.id, status: 'completed', output };
      }
      const error = result.output ?? { message: `batch handler returned ${result.status}` };
      if (result.status === 'deadletter') {
        if (out) {
          const abort = this.abortedBy(job, raws);
          if (abort !== undefined) {
            this.failedEvents(out, job, abort, durationMs, raws);
          } else {
            const deadLetter = raws.get(job.id)?.deadLetter;
            out.push(event('failed', job, { error, durationMs }));
            if (deadLetter) out.push(event('dead-lettered', job, { error, deadLetter }));
          }
        }
        return { id: job.id, status: 'deadletter', output: error };
      }
      return this.failed(job, error, durationMs, raws, out);
    });
  }

  private failed(
    job: Job<unknown>,
    error: unknown,
    durationMs: number,
    raws: Map<string, JobWithMetadata<object>>,
    out: JobEvent[] | undefined,
  ): JobResult {
    const raw = raws.get(job.id);
    const willRetry = raw ? raw.retryCount < raw.retryLimit : false;
    const next = willRetry ? 'will retry' : raw?.deadLetter ? `moving it to ${raw.deadLetter}` : 'no retries left';
    const output = serializeError(error);
    this.logger?.warn(`Job ${job.name} ${job.id} failed on attempt ${job.attempt} (${next}): ${output.message}`);
    if (out) this.failedEvents(out, job, error, durationMs, raws);
    return { id: job.id, status: 'failed', output };
  }

  /**
   * The events of a job whose handler resolved: `completed` with its output, unless pg-boss had failed
   * the job (timeout, shutdown) or it was cancelled before that, in which case that is what the
   * database holds and what the events say.
   */
  private completedEvents(
    out: JobEvent[],
    job: Job<unknown>,
    output: object | undefined,
    durationMs: number,
    raws: Map<string, JobWithMetadata<object>>,
  ): void {
    const abort = this.abortedBy(job, raws);
    if (abort !== undefined) this.failedEvents(out, job, abort, durationMs, raws);
    else out.push(event('completed', job, { durationMs, output }));
  }

  /**
   * `failed`, then `retried` or `dead-lettered` as the database will have it. A cancelled job stays
   * `cancelled`: it gets `failed` alone.
   */
  private failedEvents(
    out: JobEvent[],
    job: Job<unknown>,
    error: unknown,
    durationMs: number | undefined,
    raws: Map<string, JobWithMetadata<object>>,
  ): void {
    out.push(event('failed', job, durationMs === undefined ? { error } : { error, durationMs }));
    const abort = this.abortedBy(job, raws);
    if (abort instanceof JobAbortedError && abort.code === 'cancelled') return;
    const raw = raws.get(job.id);
    if (raw && raw.retryCount < raw.retryLimit) out.push(event('retried', job, { error }));
    else if (raw?.deadLetter) out.push(event('dead-lettered', job, { error, deadLetter: raw.deadLetter }));
  }

  private deadLetterInvalid(raw: JobWithMetadata<object>, error: unknown, out: JobEvent[] | undefined): JobResult {
    const job = { id: raw.id, name: raw.name, attempt: raw.retryCount + 1 };
    const next = raw.deadLetter ? `moved to ${raw.deadLetter} without retrying` : 'failed without retrying';
    this.logger?.error(`Job ${raw.name} ${raw.id} has an invalid payload (${next}): ${(error as Error).message}`);
    if (out) {
      out.push(event('failed', job, { error }));
      if (raw.deadLetter) out.push(event('dead-lettered', job, { error, deadLetter: raw.deadLetter }));
    }
    return { id: raw.id, status: 'deadletter', output: serializeError(error) };
  }

  private emit(type: JobEventType, job: { id: string; name: string; attempt: number }): void {
    if (!this.events.observed) return;
    this.events.emit(event(type, job));
  }
}

function event(
  type: JobEventType,
  job: { id: string; name: string; attempt: number },
  extra: { error?: unknown; durationMs?: number; deadLetter?: string; output?: object | undefined } = {},
): JobEvent {
  return { type, queue: job.name, jobId: job.id, attempt: job.attempt, ...extra };
}

/**
 * The reason a job's signal aborts with when pg-boss aborted the signal it handed over. pg-boss aborts
 * it three ways: at the batch's timeout and when shutdown fails the jobs still running, both without a
 * reason (a DOMException AbortError), told apart by the time the batch has run; and when its heartbeat
 * finds a job no longer claimed by this worker (cancelled elsewhere, or settled elsewhere), with an
 * Error. The first reason is kept, so every read of it sees the same error. Without pg-boss (the
 * testing kit): the reason of the signal the job was handed, as it is.
 */
function reasonOf(raw: JobWithMetadata<object>, local: LocalAbort): unknown {
  if (local.reason !== undefined) return local.reason;
  const given: unknown = raw.signal.reason;
  if (!local.batch.classify || given instanceof JobAbortedError) return (local.reason = given);
  if (!(given instanceof DOMException)) {
    return (local.reason = new JobAbortedError('cancelled', raw.name, raw.id, JOB_CLAIM_LOST(raw.name, raw.id), {
      cause: given,
    }));
  }
  let seconds = 1;
  for (const job of local.batch.jobs) if (job.expireInSeconds > seconds) seconds = job.expireInSeconds;
  local.reason =
    performance.now() - local.batch.startedAt >= seconds * 1000 - TIMEOUT_TOLERANCE_MS
      ? new JobAbortedError('timeout', raw.name, raw.id, JOB_TIMED_OUT(raw.name, raw.id, seconds), { cause: given })
      : new JobAbortedError('shutdown', raw.name, raw.id, JOB_SHUT_DOWN(raw.name, raw.id), { cause: given });
  return local.reason;
}

// pg-boss stores a job's output as JSON: keep objects, wrap anything else so it is not lost. An
// array is wrapped here too: pg-boss would wrap it as it stores it (its mapCompletionDataArg), and the
// `completed` event and the testing kit must hold what the database holds (StoredResult types it).
function toOutput(value: unknown): object | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value;
  return { value };
}

/**
 * The job a handler receives. Its `signal` is built on first read (a getter on the prototype): a
 * controller and a listener per job cost more than a no-op handler (CPU profile of perf/run.mjs), and
 * most handlers never read it.
 */
class RunningJob implements Job<unknown> {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly retryLimit: number;
  readonly priority: number;
  readonly createdOn: Date;
  readonly singletonKey: string | null;
  readonly expireInSeconds: number;
  readonly #raw: JobWithMetadata<object>;
  readonly #local: LocalAbort;
  readonly #progress: ProgressReporter | undefined;

  constructor(
    raw: JobWithMetadata<object>,
    readonly data: unknown,
    local: LocalAbort,
    progress: ProgressReporter | undefined,
  ) {
    this.id = raw.id;
    this.name = raw.name;
    this.attempt = raw.retryCount + 1;
    this.retryLimit = raw.retryLimit;
    this.priority = raw.priority;
    this.createdOn = raw.createdOn;
    this.singletonKey = raw.singletonKey ?? null;
    this.expireInSeconds = raw.expireInSeconds;
    this.#raw = raw;
    this.#local = local;
    this.#progress = progress;
  }

  updateProgress(progress: JobProgress): Promise<void> {
    // A handler that outlived its job (timed out, its batch settled) reports nothing more.
    if (this.#local.settled || this.#local.batch.settled) return checkedOnly(this.name, progress);
    if (!this.#progress) return checkedOnly(this.name, progress);
    return this.#progress.report(this, progress);
  }

  /**
   * The local controller's signal. It aborts with a {@link JobAbortedError} when pg-boss aborts the
   * signal it handed over (one listener, added here) or when `JobRunner.abort` cancels the job, and no
   * more once the handler settled: pg-boss also aborts its signals when a batch ends.
   */
  get signal(): AbortSignal {
    const local = this.#local;
    if (local.signal) return local.signal;
    const controller = (local.controller ??= new AbortController());
    const raw = this.#raw;
    const given = raw.signal;
    if (given && !controller.signal.aborted) {
      const follow = () => {
        if (!local.settled && !local.batch.settled && !controller.signal.aborted) controller.abort(reasonOf(raw, local));
      };
      if (given.aborted) follow();
      else given.addEventListener('abort', follow, { once: true });
    }
    return (local.signal = controller.signal);
  }

  /**
   * Marks a single-job handler's job settled: a later abort by pg-boss (the end of its batch) no
   * longer reaches its signal. A batch handler's jobs are marked through their `Batch`.
   */
  static settle(job: Job<unknown>): void {
    if (job instanceof RunningJob) job.#local.settled = true;
  }
}

/** The batch pg-boss handed to one handler call. */
interface Batch {
  /** When the runner received it (pg-boss starts the batch's timer just after). */
  readonly startedAt: number;
  readonly jobs: readonly JobWithMetadata<object>[];
  /** Whether pg-boss's aborts are turned into {@link JobAbortedError}s (see `reasonOf`). */
  readonly classify: boolean;
  /** A batch handler's call settled (for single-job handlers, each job's `settled`). */
  settled?: boolean;
}

/** The local half of a running job's signal, created only when read or aborted. */
interface LocalAbort {
  readonly batch: Batch;
  controller?: AbortController;
  signal?: AbortSignal;
  /** The reason of pg-boss's abort, once worked out. */
  reason?: unknown;
  /** The job's handler settled (a single-job handler). */
  settled?: boolean;
  /** Told when `abort` aborted the controller, for a slot waiting on the handler. */
  onAbort?: () => void;
}

type Prepared = { job: Job<unknown> } | { raw: JobWithMetadata<object>; invalid: unknown };

/** What `updateProgress` does where nothing stores progress: it still refuses an invalid value. */
function checkedOnly(queue: string, progress: unknown): Promise<void> {
  try {
    checkProgress(queue, progress);
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}
