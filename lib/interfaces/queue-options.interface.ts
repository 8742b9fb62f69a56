import type { QueuePolicy } from 'pg-boss';

/**
 * Options stored on a pg-boss queue and inherited by every job in it. Declared on `defineJob`
 * (or on `@JobHandler` / `@Recurring`); the module creates the queue with them and updates it when
 * they change between deploys.
 */
export interface JobQueueOptions {
  /** Retries after the first attempt before the job fails (pg-boss default 2). */
  retryLimit?: number;
  /** Seconds between retries (default 0). With `retryBackoff`, the base of the exponential delay. */
  retryDelay?: number;
  /** Exponential backoff with jitter between retries (default false). */
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
