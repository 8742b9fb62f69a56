/** Messages of nest-pg-jobs/terminus, one factory each: configuration errors say what to change. */

import { describeText, describeValue as show } from '../utils/describe-value.util.js';
import { redactSecrets } from '../utils/redact.util.js';

/** A database or start error's message, without passwords, cut to a length a health response can carry. */
const cause = (error: unknown): string =>
  describeText(redactSecrets(error instanceof Error ? error.message : String(error)), 300);

// ── configuration: thrown by isHealthy ──────────────────────────────────────────────────────────

export const INVALID_HEALTH_OPTIONS = (problem: string) =>
  `Invalid options for JobsHealthIndicator.isHealthy: ${problem}.`;

export const HEALTH_OPTIONS_NOT_OBJECT = (got: unknown) =>
  `the options must be an object such as { timeoutMs: 1000, queues: [{ queue: WelcomeEmail, maxQueued: 1000 }] }, got ${show(got)}`;

export const UNKNOWN_HEALTH_OPTION = (key: string) =>
  `unknown option ${show(key)}; the options are timeoutMs and queues`;

export const INVALID_TIMEOUT = (got: unknown) =>
  `timeoutMs must be a whole number of milliseconds from 1 to 2147483647, got ${show(got)}`;

export const QUEUES_NOT_ARRAY = (got: unknown) =>
  `queues must be an array of { queue, maxQueued?, maxOldestWaitingSeconds?, maxDeadLettered? }, got ${show(got)}`;

export const THRESHOLD_NOT_OBJECT = (at: string, got: unknown) =>
  `${at} must be an object such as { queue: WelcomeEmail, maxQueued: 1000 }, got ${show(got)}`;

export const THRESHOLD_QUEUE_INVALID = (at: string, got: unknown) =>
  `${at}.queue must be a job definition (defineJob) or a queue name, got ${show(got)}`;

export const UNKNOWN_THRESHOLD = (at: string, key: string) =>
  `${at}: unknown option ${show(key)}; the limits are maxQueued, maxOldestWaitingSeconds and maxDeadLettered`;

export const INVALID_COUNT_LIMIT = (at: string, key: string, got: unknown) =>
  `${at}: ${key} must be a whole number, 0 or more, got ${show(got)}`;

export const INVALID_SECONDS_LIMIT = (at: string, got: unknown) =>
  `${at}: maxOldestWaitingSeconds must be a number of seconds, 0 or more, got ${show(got)}`;

export const NO_THRESHOLD = (at: string) =>
  `${at} sets no limit; set maxQueued, maxOldestWaitingSeconds or maxDeadLettered, or remove the entry`;

export const DUPLICATE_THRESHOLD = (at: string, first: string) =>
  `${at} names the same queue as ${first}; put its limits in one entry`;

export const UNDECLARED_QUEUE = (at: string, declared: readonly string[]) =>
  `${at} is not a queue this app declares (declared: ${
    declared.length ? declared.map((q) => `"${q}"`).join(', ') : 'none'
  }); fix the name, or declare the queue with a @JobHandler or in JobsModule's queues option`;

export const NO_DEAD_LETTER_FOR_LIMIT = (at: string, queue: string) =>
  `${at}: maxDeadLettered needs a dead-letter queue and "${queue}" has none; declare one ` +
  `(defineJob('${queue}', { deadLetter: '${queue}.dead' })) or remove maxDeadLettered`;

// ── why the check is down: Terminus' message ────────────────────────────────────────────────────

export const MODULE_NOT_RUNNING = (state: string, startError: unknown) => {
  switch (state) {
    case 'created':
      return 'JobsModule has not started: the application is not initialised yet';
    case 'starting':
      return 'JobsModule is starting: pg-boss and the queues are not ready yet';
    case 'failed':
      return `JobsModule failed to start: ${cause(startError)}`;
    default:
      return 'JobsModule is shut down: the application is closing or closed';
  }
};

export const WORKERS_NOT_RUNNING = (state: string) =>
  state === 'stopped'
    ? "this instance's workers are stopped (the application is shutting down, or pg-boss was stopped)"
    : "this instance's workers have not started (they start at application bootstrap)";

export const DATABASE_TIMED_OUT = (timeoutMs: number) =>
  `the database did not answer "SELECT 1" within ${timeoutMs} ms`;

export const DATABASE_FAILED = (error: unknown) => `the database did not answer "SELECT 1": ${cause(error)}`;

export const QUEUE_READ_TIMED_OUT = (queue: string, timeoutMs: number) =>
  `queue "${queue}": its waiting jobs were not read within ${timeoutMs} ms`;

export const QUEUE_READ_FAILED = (queue: string, error: unknown) =>
  `queue "${queue}": its waiting jobs could not be read: ${cause(error)}`;

export const OVER_MAX_QUEUED = (queue: string, queued: number, max: number) =>
  `queue "${queue}": ${queued} jobs waiting, over maxQueued ${max}`;

export const OVER_MAX_OLDEST_WAITING = (queue: string, seconds: number, max: number) =>
  `queue "${queue}": oldest due job waiting ${seconds} s, over maxOldestWaitingSeconds ${max}`;

export const OVER_MAX_DEAD_LETTERED = (queue: string, deadLetter: string, dead: number, max: number) =>
  `queue "${queue}": ${dead} jobs in dead-letter queue "${deadLetter}", over maxDeadLettered ${max}`;
