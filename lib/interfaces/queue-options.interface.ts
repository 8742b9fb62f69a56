import type { QueuePolicy } from 'pg-boss';

/**
 * Options stored on a pg-boss queue and inherited by every job in it. Declared on `defineJob`
 * (or on `@JobHandler` / `@Recurring`); the module creates the queue with them and updates it when
 * they change between deploys.
 */
export interface JobQueueOptions {
  /** Retries after the first attempt before the job fails (pg-boss default 2). */
  retryLimit?: number;
  /** Seconds between retries (default 0). With `retryBackoff`, the base of the exponential delay (at least 1). */
  retryDelay?: number;
  /**
   * Exponential backoff with jitter between retries (default false). pg-boss waits a random time
   * between `d × 2^(n-1)` and `d × 2^n` seconds before the n-th retry, `d` being `retryDelay`
   * (1 when lower): with `retryDelay: 2`, 2–4 s, then 4–8 s, then 8–16 s. The exponent stops
   * growing at the 16th retry; `retryDelayMax` caps the delay.
   */
  retryBackoff?: boolean;
  /** Upper bound in seconds for the backoff delay. */
  retryDelayMax?: number;
  /** Seconds a job may run before it times out: its `signal` aborts and it is retried (default 900). */
  expireInSeconds?: number;
  /**
   * Expected heartbeat interval in seconds (>= 10). pg-boss refreshes it automatically while the
   * handler runs; a job whose worker stops heartbeating is retried without waiting for expiry.
   */
  heartbeatSeconds?: number;
  /** Seconds a job may wait in created/retry state before it is deleted (default 14 days). */
  retentionSeconds?: number;
  /** Seconds a finished job is kept (default 7 days); 0 keeps it forever. */
  deleteAfterSeconds?: number;
  /** Queue that receives the job after its last failed attempt. Created by the module when missing. */
  deadLetter?: string;
  /** Queue policy, fixed at creation: standard, short, singleton, stately, exclusive, key_strict_fifo. */
  policy?: QueuePolicy;
  /** Give the queue its own partition table. Fixed at creation. */
  partition?: boolean;
  /** Emit a pg-boss `warning` when more jobs than this wait in the queue. */
  warningQueueSize?: number;
}
