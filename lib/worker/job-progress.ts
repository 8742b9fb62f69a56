import { JobValidationError } from '../errors/job-validation.error.js';
import { INVALID_PROGRESS } from '../errors/jobs.messages.js';
import { checkPayloadJson } from '../declare/validate-payload.util.js';
import type { JobProgress } from '../interfaces/job.interface.js';
import type { JobEventsBus } from '../runtime/job-events.bus.js';
import type { JobsLogger } from '../module/jobs.logger.js';

/**
 * The shortest time, in ms, between two stored progress values of one job: a handler reporting in a
 * tight loop writes at most one row a second; the values in between are replaced by the latest.
 */
export const PROGRESS_INTERVAL_MS = 1000;

/** The largest progress value, in bytes of JSON: progress is a number or a small object. */
export const MAX_PROGRESS_BYTES = 4096;

/** Where a runner stores a job's progress (the backend's `setProgress`). */
export type ProgressSink = (queue: string, id: string, progress: JobProgress) => Promise<void>;

/** How a runner stores progress: where, and how often at most per job. */
export interface ProgressStorage {
  store: ProgressSink;
  /** Shortest time between two writes of one job; default {@link PROGRESS_INTERVAL_MS}. */
  intervalMs?: number;
}

/** The job a progress value belongs to. */
interface ProgressJob {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
}


/** One job's reports: the value not stored yet, its callers, and the write under way or planned. */
interface Entry {
  readonly job: ProgressJob;
  pending: { value: JobProgress } | undefined;
  waiters: Array<() => void>;
  timer: NodeJS.Timeout | undefined;
  writing: Promise<void> | undefined;
  lastWriteAt: number;
}

/**
 * Checks a progress value: a finite number, or a JSON object of at most {@link MAX_PROGRESS_BYTES}.
 * Throws a `JobValidationError` naming the queue otherwise.
 */
export function checkProgress(queue: string, value: unknown): asserts value is JobProgress {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new JobValidationError(INVALID_PROGRESS(queue, `got ${value}, a number that JSON cannot store`), queue);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    throw new JobValidationError(INVALID_PROGRESS(queue, `got ${got}; pass a number or an object`), queue);
  }
  try {
    checkPayloadJson({ name: queue, options: {} }, value, { maxBytes: MAX_PROGRESS_BYTES, label: 'updateProgress' });
  } catch (error) {
    throw new JobValidationError(INVALID_PROGRESS(queue, (error as Error).message), queue);
  }
}

/**
 * Stores the progress handlers report (`job.updateProgress`), at most once per
 * {@link PROGRESS_INTERVAL_MS} per job: the first value is written at once, later ones within the
 * interval replace each other and the latest is written when it ends. A call resolves once its value,
 * or a later one that replaced it, is stored (or its write failed: logged, never thrown, since
 * progress is advisory and handlers may not await it); an invalid value rejects at once. The value still
 * waiting when the handler settles is written then ({@link settle}), before the job's outcome is
 * recorded. Each stored value emits a `progress` event. Costs nothing for jobs that never report.
 */
export class ProgressReporter {
  private readonly entries = new Map<string, Entry>();

  private readonly sink: ProgressSink;
  private readonly intervalMs: number;

  constructor(
    storage: ProgressStorage,
    private readonly events: JobEventsBus,
    private readonly logger: JobsLogger | undefined,
  ) {
    this.sink = storage.store;
    this.intervalMs = storage.intervalMs ?? PROGRESS_INTERVAL_MS;
  }

  /** Whether any job of this runner has reported progress that is not settled yet. */
  get active(): boolean {
    return this.entries.size > 0;
  }

  /** Records `value` for `job` and stores it within the interval; see the class. */
  report(job: ProgressJob, value: unknown): Promise<void> {
    try {
      checkProgress(job.name, value);
    } catch (error) {
      return Promise.reject(error);
    }
    let entry = this.entries.get(job.id);
    if (!entry) {
      entry = { job, pending: undefined, waiters: [], timer: undefined, writing: undefined, lastWriteAt: -Infinity };
      this.entries.set(job.id, entry);
    }
    const current = entry;
    return new Promise<void>((resolve) => {
      current.pending = { value };
      current.waiters.push(resolve);
      this.schedule(current);
    });
  }

  /**
   * The job's handler settled: writes the value still waiting, if any, and forgets the job. A failed
   * write is logged; it never fails the job.
   */
  async settle(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    await entry.writing;
    if (entry.pending) await this.write(entry);
    this.entries.delete(id);
  }

  private schedule(entry: Entry): void {
    if (entry.timer || entry.writing || !entry.pending) return;
    const wait = entry.lastWriteAt + this.intervalMs - performance.now();
    if (wait <= 0) {
      void this.write(entry);
      return;
    }
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.write(entry);
    }, wait);
    // A pending progress value never keeps the process alive: settle() writes it.
    entry.timer.unref();
  }

  private write(entry: Entry): Promise<void> {
    const { value } = entry.pending!;
    const waiters = entry.waiters;
    entry.pending = undefined;
    entry.waiters = [];
    entry.lastWriteAt = performance.now();
    const { job } = entry;
    const writing = this.sink(job.name, job.id, value).then(
      () => {
        if (this.events.observed) {
          this.events.emit({ type: 'progress', queue: job.name, jobId: job.id, attempt: job.attempt, progress: value });
        }
        for (const resolve of waiters) resolve();
      },
      (error: unknown) => {
        // Progress is advisory: a failed write is logged and never fails the job, nor the handler
        // that did not await it.
        this.logger?.warn(`Progress of job ${job.name} ${job.id} was not stored: ${(error as Error)?.message ?? error}`);
        for (const resolve of waiters) resolve();
      },
    );
    entry.writing = writing.finally(() => {
      entry.writing = undefined;
      if (this.entries.get(job.id) === entry) this.schedule(entry);
    });
    return entry.writing;
  }
}
