/**
 * What a handler reports with `job.updateProgress`: a number (a percentage, rows done...) or a small
 * JSON object (at most 4096 bytes of JSON).
 */
export type JobProgress = number | { readonly [key: string]: unknown };

/**
 * The job a handler receives.
 */
export interface Job<T = unknown> {
  /** Job id (uuid). */
  readonly id: string;
  /** Queue name. */
  readonly name: string;
  /** Payload, validated and transformed by the definition's schema when it has one. */
  readonly data: T;
  /** 1 on the first run, 2 on the first retry, and so on. */
  readonly attempt: number;
  /** Retries allowed after the first attempt. */
  readonly retryLimit: number;
  /** Priority the job was sent with (higher runs first). */
  readonly priority: number;
  /** When the job was created. */
  readonly createdOn: Date;
  /** The singleton key the job was sent with, if any. */
  readonly singletonKey: string | null;
  /** Seconds the job may run before it times out. */
  readonly expireInSeconds: number;
  /**
   * Aborts when the job times out, is cancelled (through `JobsService.cancel` in this instance,
   * or in any instance when the queue has heartbeats), or when the app shuts down and the grace
   * period is over; never after the handler settled. Its `reason` is a `JobAbortedError` whose
   * `code` (`'timeout'`, `'cancelled'`, `'shutdown'`) says which. Pass it to `fetch`, streams and
   * child processes so work stops with the job.
   */
  readonly signal: AbortSignal;
  /**
   * Reports how far the job has come: stored with the job (read it with `JobsService.getJob`, field
   * `progress`) and emitted as a `progress` job event. Writes are throttled to one a second per job:
   * call it as often as you like; the latest value within a second is the one stored, and the last
   * value is stored before the job's outcome. Resolves once the value (or a later one) is stored; a
   * failed write is logged and never fails the job. Rejects with a `JobValidationError` for a value
   * that is not a finite number or a JSON object of at most 4096 bytes.
   *
   * @example
   * for (const [i, row] of rows.entries()) {
   *   await importRow(row);
   *   if (i % 100 === 0) void job.updateProgress({ done: i, total: rows.length });
   * }
   */
  updateProgress(progress: JobProgress): Promise<void>;
}
