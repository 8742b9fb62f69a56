/**
 * Why a job's `signal` aborted: `timeout` (the job ran past its `expireInSeconds`), `shutdown` (the app
 * shut down and its `shutdownTimeoutMs` ran out before the job finished) or `cancelled` (`JobsService.cancel`;
 * on a queue with `heartbeatSeconds`, also a job that stopped being this worker's, seen at the next heartbeat:
 * cancelled from another instance, or settled elsewhere).
 */
export type JobAbortCode = 'timeout' | 'shutdown' | 'cancelled';

/**
 * The `reason` of an aborted `job.signal`: its `code` says why the signal aborted, so a handler can tell a
 * timeout from a shutdown from a cancellation.
 *
 * ```ts
 * job.signal.addEventListener('abort', () => {
 *   if ((job.signal.reason as JobAbortedError).code === 'shutdown') this.checkpoint(job);
 * });
 * ```
 *
 * Its `name` is `'AbortError'`, like the `DOMException` an `AbortController` aborts with by default, so code
 * that recognises an abort by name (`error.name === 'AbortError'`, as `fetch` rejects with the signal's
 * reason) keeps working; tell it apart with `instanceof JobAbortedError` or `code`. Rethrown from the
 * handler, it is stored as the failed job's output like any error.
 */
export class JobAbortedError extends Error {
  override readonly name: string = 'AbortError';
  constructor(
    /** Why the signal aborted. */
    readonly code: JobAbortCode,
    /** Queue name of the job. */
    readonly queue: string,
    /** Id of the job whose signal aborted. */
    readonly jobId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
