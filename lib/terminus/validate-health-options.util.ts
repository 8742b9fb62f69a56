import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { MAX_QUEUE_NAME_LENGTH } from '../utils/queue-name.util.js';
import { describeText } from '../utils/describe-value.util.js';
import type { JobsRegistry } from '../runtime/jobs.registry.js';
import type { JobsHealthOptions } from './jobs-health-options.interface.js';
import {
  DUPLICATE_THRESHOLD,
  HEALTH_OPTIONS_NOT_OBJECT,
  INVALID_COUNT_LIMIT,
  INVALID_HEALTH_OPTIONS,
  INVALID_SECONDS_LIMIT,
  INVALID_TIMEOUT,
  NO_DEAD_LETTER_FOR_LIMIT,
  NO_THRESHOLD,
  QUEUES_NOT_ARRAY,
  THRESHOLD_NOT_OBJECT,
  THRESHOLD_QUEUE_INVALID,
  UNDECLARED_QUEUE,
  UNKNOWN_HEALTH_OPTION,
  UNKNOWN_THRESHOLD,
} from './terminus.messages.js';

/** @internal The health check's default `timeoutMs`. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 1000;

/** The longest delay of a Node.js timer; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

const OPTION_KEYS: ReadonlySet<string> = new Set(['timeoutMs', 'queues']);
const THRESHOLD_KEYS: ReadonlySet<string> = new Set(['queue', 'maxQueued', 'maxOldestWaitingSeconds', 'maxDeadLettered']);

/** @internal One queue's limits, checked, by queue name. */
export interface CheckedThresholds {
  queue: string;
  /** Where the entry is in the options, for messages: `queues[0] (queue "welcome-email")`. */
  at: string;
  maxQueued?: number;
  maxOldestWaitingSeconds?: number;
  maxDeadLettered?: number;
}

/** @internal The options of one health check, checked. */
export interface CheckedHealthOptions {
  timeoutMs: number;
  queues: CheckedThresholds[];
}

const fail = (problem: string): never => {
  throw new JobsConfigurationError(INVALID_HEALTH_OPTIONS(problem));
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * @internal Checks `isHealthy`'s options, throwing a {@link JobsConfigurationError} that names the
 * option and says what to change: without it a `NaN` limit would never trip (every comparison with
 * `NaN` is false), and a typo (`maxQueue`) would silently check nothing. The queue names are
 * checked against the app's declared queues by {@link checkDeclaredQueues}, once they are known.
 */
export function checkHealthOptions(options: unknown): CheckedHealthOptions {
  if (options === undefined) return { timeoutMs: DEFAULT_HEALTH_TIMEOUT_MS, queues: [] };
  if (!isRecord(options)) return fail(HEALTH_OPTIONS_NOT_OBJECT(options));
  for (const key of Object.keys(options)) if (!OPTION_KEYS.has(key)) fail(UNKNOWN_HEALTH_OPTION(key));
  const { timeoutMs = DEFAULT_HEALTH_TIMEOUT_MS, queues = [] } = options as JobsHealthOptions;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMER_MS) fail(INVALID_TIMEOUT(timeoutMs));
  if (!Array.isArray(queues)) return fail(QUEUES_NOT_ARRAY(queues));

  const checked: CheckedThresholds[] = [];
  (queues as unknown[]).forEach((entry, i) => {
    let at = `queues[${i}]`;
    if (!isRecord(entry)) return fail(THRESHOLD_NOT_OBJECT(at, entry));
    const queue = queueName(entry.queue);
    if (queue === undefined) return fail(THRESHOLD_QUEUE_INVALID(at, entry.queue));
    at = `${at} (queue "${describeText(queue)}")`;
    for (const key of Object.keys(entry)) if (!THRESHOLD_KEYS.has(key)) fail(UNKNOWN_THRESHOLD(at, key));
    const { maxQueued, maxOldestWaitingSeconds, maxDeadLettered } = entry;
    for (const [key, value] of [['maxQueued', maxQueued], ['maxDeadLettered', maxDeadLettered]] as const) {
      if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
        fail(INVALID_COUNT_LIMIT(at, key, value));
      }
    }
    if (
      maxOldestWaitingSeconds !== undefined &&
      !(typeof maxOldestWaitingSeconds === 'number' && Number.isFinite(maxOldestWaitingSeconds) && maxOldestWaitingSeconds >= 0)
    ) {
      fail(INVALID_SECONDS_LIMIT(at, maxOldestWaitingSeconds));
    }
    if (maxQueued === undefined && maxOldestWaitingSeconds === undefined && maxDeadLettered === undefined) {
      fail(NO_THRESHOLD(at));
    }
    const first = checked.find((other) => other.queue === queue);
    if (first) fail(DUPLICATE_THRESHOLD(at, first.at));
    checked.push({
      queue,
      at,
      ...(maxQueued !== undefined ? { maxQueued: maxQueued as number } : {}),
      ...(maxOldestWaitingSeconds !== undefined ? { maxOldestWaitingSeconds: maxOldestWaitingSeconds as number } : {}),
      ...(maxDeadLettered !== undefined ? { maxDeadLettered: maxDeadLettered as number } : {}),
    });
  });
  return { timeoutMs, queues: checked };
}

/**
 * @internal Checks that every queue with limits is one the app declares (a handler's, a `queues`
 * entry, or a dead-letter queue), and that `maxDeadLettered` is only set on a queue that has a
 * dead-letter queue. Needs the registry's handlers resolved.
 */
export function checkDeclaredQueues(options: CheckedHealthOptions, registry: JobsRegistry): void {
  for (const threshold of options.queues) {
    const declared = registry.queue(threshold.queue);
    if (!declared) fail(UNDECLARED_QUEUE(threshold.at, registry.queues.map((q) => q.name)));
    if (threshold.maxDeadLettered !== undefined && !declared!.options.deadLetter) {
      fail(NO_DEAD_LETTER_FOR_LIMIT(threshold.at, threshold.queue));
    }
  }
}

/** A definition's or a bare name's queue name, or `undefined` when it is neither. */
function queueName(value: unknown): string | undefined {
  const name = typeof value === 'string' ? value : isRecord(value) ? value.name : undefined;
  return typeof name === 'string' && name.length > 0 && name.length <= MAX_QUEUE_NAME_LENGTH ? name : undefined;
}
