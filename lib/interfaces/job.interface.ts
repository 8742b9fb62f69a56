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
}
