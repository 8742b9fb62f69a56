/** Options of `JobsService.drain`. Without either limit, a drain runs until nothing is due. */
export interface DrainJobsOptions {
  /**
   * Stop fetching once this many jobs have started (an integer >= 1). Jobs other slots fetched
   * meanwhile still run: at most `concurrency - 1` more per queue.
   */
  maxJobs?: number;
  /**
   * Stop fetching after this many seconds (> 0, at most 86400). Jobs running then get the module's
   * `shutdownTimeoutMs` to finish; those still running after it are aborted (their signal, with a
   * `JobAbortedError` of code `shutdown`) and failed back to be retried.
   */
  maxSeconds?: number;
}

/** What `JobsService.drain` did. */
export interface DrainJobsResult {
  /** Jobs whose handler was called. */
  started: number;
  /** Jobs that completed. */
  completed: number;
  /** Failed attempts (retried later, or dead-lettered as the queue says), invalid payloads included. */
  failed: number;
  /** Why it stopped: nothing was due any more, `maxJobs` started, or `maxSeconds` ran out. */
  stoppedBy: 'idle' | 'maxJobs' | 'maxSeconds';
}
