import type { JobDefinition } from '../interfaces/job-definition.interface.js';

/**
 * Limits for one queue: over any of them, the check is `down`. A limit equal to the value passes.
 *
 * @example
 * { queue: WelcomeEmail, maxQueued: 1000, maxOldestWaitingSeconds: 300, maxDeadLettered: 0 }
 */
export interface JobsQueueThresholds {
  /** The queue: a `defineJob` definition or a queue name this app declares. */
  queue: JobDefinition<any, any> | string;
  /** Most jobs waiting (created or retry, delayed ones included: `getQueueCounts().queued`). */
  maxQueued?: number;
  /**
   * Most seconds the oldest due job may have waited: counted from when it could first run (sent,
   * or its delay, retry backoff or flow dependency over), so delayed jobs and backoffs do not count.
   */
  maxOldestWaitingSeconds?: number;
  /** Most jobs waiting in the queue's dead-letter queue (`getQueueCounts().dead`). */
  maxDeadLettered?: number;
}

/**
 * Options of {@link JobsHealthIndicator.isHealthy}.
 *
 * @example
 * jobsHealth.isHealthy('jobs', { timeoutMs: 2000, queues: [{ queue: WelcomeEmail, maxQueued: 1000 }] })
 */
export interface JobsHealthOptions {
  /**
   * How long the database may take, in milliseconds, for everything the check reads (`SELECT 1`,
   * then the queues' waiting jobs), counted from the start of the check. Default 1000.
   */
  timeoutMs?: number;
  /** Queues with limits; without any, the check reads no queue. */
  queues?: readonly JobsQueueThresholds[];
}

/**
 * What one queue with limits has waiting, as the check read it.
 *
 * @example
 * { queued: 12, oldestWaitingSeconds: 3, deadLettered: 0 }
 */
export interface JobsQueueHealth {
  /** Jobs waiting (created or retry, delayed ones included). */
  queued: number;
  /** Seconds the oldest due job has waited; 0 when none is due. */
  oldestWaitingSeconds: number;
  /** Jobs waiting in the dead-letter queue; 0 when the queue has none. */
  deadLettered: number;
}

/**
 * A part of the check: the module's state, the database, this instance's workers, the queues' limits.
 *
 * @example
 * if ((result.jobs as JobsHealthFailure).failed?.includes('database')) page('database');
 */
export type JobsHealthCheckName = 'module' | 'database' | 'workers' | 'queues';

/**
 * The details of the `jobs` entry (next to Terminus' `status` and `responseTime`, and its `message`
 * when down).
 *
 * @example
 * { module: 'running', database: 'up', workers: 'running', queues: { 'welcome-email': { queued: 3, oldestWaitingSeconds: 0, deadLettered: 0 } } }
 */
export interface JobsHealthDetails {
  /** Where `JobsModule` is in its life: `running` when healthy. */
  module: 'created' | 'starting' | 'running' | 'failed' | 'shut-down';
  /** Whether the database answered `SELECT 1` in time; absent when the module is not running (not asked). */
  database?: 'up' | 'down';
  /**
   * This instance's workers: `running`, or `disabled` with `workers: false` (both healthy);
   * `not-started` before application bootstrap, `stopped` once shutdown began.
   */
  workers: 'not-started' | 'running' | 'disabled' | 'stopped';
  /** Each queue with limits, by name, once the database answered. */
  queues?: Record<string, JobsQueueHealth>;
}

/**
 * The details of a `down` entry: {@link JobsHealthDetails} and which parts failed; Terminus' `message`
 * says why (one sentence per problem, separated by `; `).
 *
 * @example
 * { module: 'running', database: 'up', workers: 'disabled', queues: { … }, failed: ['queues'] }
 */
export interface JobsHealthFailure extends JobsHealthDetails {
  failed: JobsHealthCheckName[];
}
