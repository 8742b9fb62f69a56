import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { Job } from './interfaces/job.interface.js';
import type { BatchJobResult } from './interfaces/batch-result.interface.js';
import type { JobEventType } from './interfaces/job-event.interface.js';
import type { RegisteredHandler } from './interfaces/registered-handler.interface.js';
import type { JobEventsBus } from './job-events.bus.js';
import type { JobsLogger } from './jobs.logger.js';
import { checkPayloadShape, validateFetchedPayload } from './utils/validate-payload.util.js';
import { serializeError } from './utils/serialize-error.util.js';
import { jobContextStorage } from './context/job-context.storage.js';
import { ABANDONED_HANDLER_SETTLED, HANDLER_ABANDONED, HANDLER_ABANDON_LIMIT } from './jobs.messages.js';

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
 * Turns a registered handler into the function pg-boss calls with each fetched batch. Every job is
 * validated, run and settled on its own (pg-boss `perJobResults`), so one failing job never fails
 * its neighbours, and a job with an invalid payload goes straight to the dead-letter queue without
 * burning retries. Each handler call runs inside the job's `JobContext` (AsyncLocalStorage).
 */
export class JobRunner {
  /** Jobs running in this instance, by id, so `JobsService.cancel` can abort them locally. */
  private readonly running = new Map<string, LocalAbort>();
  /** Handlers whose slot stopped waiting for them and that have not settled yet. */
  private abandoned = 0;
  /** The abort check of each handler call in flight, run by the sweep: no listener per job. */
  private readonly calls = new Set<() => void>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly handler: RegisteredHandler,
    private readonly events: JobEventsBus,
    private readonly logger: JobsLogger | undefined,
  ) {}

  /**
   * The pg-boss work handler. `sequential` runs the jobs of a single-job handler one after another
   * (the batch one slot fetched) instead of all at once. `turn`, with `sequential`: called before
   * each job starts; a promise it returns holds the job until it settles (the slot runs another
   * batch's job first). The jobs are registered at once, so `cancel` reaches them while they wait.
   */
  readonly handle = async (
    jobs: JobWithMetadata<object>[],
    { sequential = false, turn }: { sequential?: boolean; turn?: (job: Job<unknown>) => Promise<void> | undefined } = {},
  ): Promise<JobResult[]> => {
    const raws = new Map(jobs.map((raw) => [raw.id, raw]));
    // Without a schema the check is synchronous: no promise per job on the hot path.
    const prepared = this.handler.definition.schema
      ? await Promise.all(jobs.map((raw) => this.prepare(raw)))
      : jobs.map((raw) => this.prepareChecked(raw));
    const results: JobResult[] = [];
    const valid: Job<unknown>[] = [];
    for (const item of prepared) {
      if ('invalid' in item) results.push(this.deadLetterInvalid(item.raw, item.invalid));
      else valid.push(item.job);
    }
    try {
      if (valid.length > 0 && this.handler.kind === 'batch') {
        results.push(...(await this.runBatch(valid, raws)));
      } else if (sequential) {
        for (const job of valid) {
          const wait = turn?.(job);
          if (wait) await wait;
          // Aborted before its turn: pg-boss already failed it (the batch ran past its expiry, or
          // shutdown ran out of time) or it was cancelled. Running it now would only run it twice.
          const reason = this.abortedBeforeStart(job, raws);
          if (reason !== undefined) {
            results.push({ id: job.id, status: 'failed', output: serializeError(reason) });
          } else {
            results.push(await this.runOne(job, raws));
          }
        }
      } else {
        results.push(...(await Promise.all(valid.map((job) => this.runOne(job, raws)))));
      }
    } finally {
      for (const job of valid) this.running.delete(job.id);
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

  private abortedBeforeStart(job: Job<unknown>, raws: Map<string, JobWithMetadata<object>>): unknown {
    const rawSignal = raws.get(job.id)?.signal;
    if (rawSignal?.aborted) return rawSignal.reason ?? new Error('aborted');
    const local = this.running.get(job.id)?.controller?.signal;
    return local?.aborted ? (local.reason ?? new Error('aborted')) : undefined;
  }

  private async prepare(raw: JobWithMetadata<object>): Promise<Prepared> {
    try {
      return this.build(raw, await validateFetchedPayload(this.handler.definition, raw.data));
    } catch (error) {
      return { raw, invalid: error };
    }
  }

  private prepareChecked(raw: JobWithMetadata<object>): Prepared {
    try {
      checkPayloadShape(this.handler.definition, raw.data);
    } catch (error) {
      return { raw, invalid: error };
    }
    return this.build(raw, raw.data);
  }

  private build(raw: JobWithMetadata<object>, data: unknown): Prepared {
    const local: LocalAbort = {};
    this.running.set(raw.id, local);
    return { job: new RunningJob(raw, data, local) };
  }

  private async runOne(job: Job<unknown>, raws: Map<string, JobWithMetadata<object>>): Promise<JobResult> {
    this.emit('started', job);
    const started = performance.now();
    try {
      const output = await this.settleOrAbandon(
        jobContextStorage.run({ job, jobs: [job] }, () => this.handler.invoke(job)),
        [job],
        raws,
      );
      const durationMs = performance.now() - started;
      this.emit('completed', job, { durationMs });
      return { id: job.id, status: 'completed', output: toOutput(output) };
    } catch (error) {
      return this.failed(job, error, performance.now() - started, raws);
    }
  }

  /**
   * The handler's outcome; or, once the signals of all its jobs aborted and it has not settled
   * {@link ABANDON_AFTER_ABORT_MS} later, a rejection that frees its worker slot. pg-boss has failed
   * (or cancel has settled) those jobs by then, so no result of theirs can land, and a slot that kept
   * waiting would run nothing more in this instance (pg-boss's worker fetches nothing until the
   * handler returns). The handler runs on in the background; at most `concurrency` abandoned
   * handlers are tolerated at once, beyond which the slot waits as pg-boss would, so a handler that
   * always hangs cannot pile up without bound.
   *
   * The aborts are looked for every {@link ABORT_SWEEP_MS} by one timer per runner rather than
   * through a listener on each job's signal: adding and removing those listeners cost more than a
   * no-op handler's job (CPU profile of perf/run.mjs).
   */
  private settleOrAbandon<T>(
    running: Promise<T>,
    jobs: Job<unknown>[],
    raws: Map<string, JobWithMetadata<object>>,
  ): Promise<T> {
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
        this.logger?.error(HANDLER_ABANDONED(this.handler.queue, ids, ABANDON_AFTER_ABORT_MS));
        const done = () => {
          this.abandoned--;
          this.logger?.warn(ABANDONED_HANDLER_SETTLED(this.handler.queue, ids, (performance.now() - since) / 1000));
        };
        running.then(done, done);
        cleanup();
        reject(new Error(HANDLER_ABANDONED(this.handler.queue, ids, ABANDON_AFTER_ABORT_MS)));
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
  ): Promise<JobResult[]> {
    for (const job of jobs) this.emit('started', job);
    const started = performance.now();
    let returned: unknown;
    try {
      returned = await this.settleOrAbandon(
        jobContextStorage.run({ jobs }, () => this.handler.invoke(jobs)),
        jobs,
        raws,
      );
    } catch (error) {
      const durationMs = performance.now() - started;
      return jobs.map((job) => this.failed(job, error, durationMs, raws));
    }
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
        this.emit('completed', job, { durationMs });
        return { id: job.id, status: 'completed', output: result.output };
      }
      const error = result.output ?? { message: `batch handler returned ${result.status}` };
      if (result.status === 'deadletter') {
        const deadLetter = raws.get(job.id)?.deadLetter;
        this.emit('failed', job, { error, durationMs });
        if (deadLetter) this.emit('dead-lettered', job, { error, deadLetter });
        return { id: job.id, status: 'deadletter', output: error };
      }
      return this.failed(job, error, durationMs, raws);
    });
  }

  private failed(
    job: Job<unknown>,
    error: unknown,
    durationMs: number,
    raws: Map<string, JobWithMetadata<object>>,
  ): JobResult {
    const raw = raws.get(job.id);
    const willRetry = raw ? raw.retryCount < raw.retryLimit : false;
    const next = willRetry ? 'will retry' : raw?.deadLetter ? `moving it to ${raw.deadLetter}` : 'no retries left';
    const output = serializeError(error);
    this.logger?.warn(`Job ${job.name} ${job.id} failed on attempt ${job.attempt} (${next}): ${output.message}`);
    this.emit('failed', job, { error, durationMs });
    if (willRetry) this.emit('retried', job, { error });
    else if (raw?.deadLetter) this.emit('dead-lettered', job, { error, deadLetter: raw.deadLetter });
    return { id: job.id, status: 'failed', output };
  }

  private deadLetterInvalid(raw: JobWithMetadata<object>, error: unknown): JobResult {
    const job = { id: raw.id, name: raw.name, attempt: raw.retryCount + 1 };
    const next = raw.deadLetter ? `moved to ${raw.deadLetter} without retrying` : 'failed without retrying';
    this.logger?.error(`Job ${raw.name} ${raw.id} has an invalid payload (${next}): ${(error as Error).message}`);
    this.emit('failed', job, { error });
    if (raw.deadLetter) this.emit('dead-lettered', job, { error, deadLetter: raw.deadLetter });
    return { id: raw.id, status: 'deadletter', output: serializeError(error) };
  }

  private emit(
    type: JobEventType,
    job: { id: string; name: string; attempt: number },
    extra: { error?: unknown; durationMs?: number; deadLetter?: string } = {},
  ): void {
    if (!this.events.observed) return;
    this.events.emit({ type, queue: job.name, jobId: job.id, attempt: job.attempt, ...extra });
  }
}

// pg-boss stores a job's output as JSON: keep objects, wrap anything else so it is not lost.
function toOutput(value: unknown): object | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') return value;
  return { value };
}

/**
 * The job a handler receives. Its `signal` is built on first read (a getter on the prototype):
 * AbortSignal.any and a controller per job cost more than a no-op handler (CPU profile of
 * perf/run.mjs), and most handlers never read it.
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

  constructor(
    raw: JobWithMetadata<object>,
    readonly data: unknown,
    local: LocalAbort,
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
  }

  get signal(): AbortSignal {
    const local = this.#local;
    return (local.signal ??= AbortSignal.any([this.#raw.signal, (local.controller ??= new AbortController()).signal]));
  }
}

/** The local half of a running job's signal, created only when read or aborted. */
interface LocalAbort {
  controller?: AbortController;
  signal?: AbortSignal;
  /** Told when `abort` aborted the controller, for a slot waiting on the handler. */
  onAbort?: () => void;
}

type Prepared = { job: Job<unknown> } | { raw: JobWithMetadata<object>; invalid: unknown };
