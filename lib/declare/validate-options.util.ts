import { policies } from 'pg-boss';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { INVALID_HANDLER_OPTION, INVALID_QUEUE_NAME, QUEUE_NAME_TOO_LONG, show } from '../errors/jobs.messages.js';
import { MAX_QUEUE_NAME_LENGTH } from '../utils/queue-name.util.js';
import type { GroupConcurrencyConfig } from 'pg-boss';
import type { JobHandlerOptions, JobRateLimit } from '../interfaces/job-handler-options.interface.js';
import { MANAGED_QUEUE_OPTION_DEFAULTS } from '../module/jobs.constants.js';
import { isEventDefinition } from './is-event-definition.util.js';
import type { JobQueueOptions } from '../interfaces/queue-options.interface.js';

// pg-boss's own rule for queue names (attorney.assertObjectName), checked here so the error names
// the declaration instead of surfacing later as a bare assertion from pg-boss.
const QUEUE_NAME = /^[\w.\-/]+$/;

/** Throws a `JobsConfigurationError` naming `owner` when `name` is not a valid pg-boss queue name. */
export function assertQueueName(name: unknown, owner: string): asserts name is string {
  if (typeof name === 'string' && name.length > MAX_QUEUE_NAME_LENGTH) {
    throw new JobsConfigurationError(QUEUE_NAME_TOO_LONG(owner, name, MAX_QUEUE_NAME_LENGTH));
  }
  if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
    throw new JobsConfigurationError(INVALID_QUEUE_NAME(owner, name));
  }
}

/** Whether `name` is a valid queue name, at most {@link MAX_QUEUE_NAME_LENGTH} long (also the rule for schedule keys). */
export function isQueueName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_QUEUE_NAME_LENGTH && QUEUE_NAME.test(name);
}

type Rule = (value: unknown, all: JobHandlerOptions) => string | undefined;

const int = (min: number): Rule => (v) =>
  Number.isInteger(v) && (v as number) >= min ? undefined : `must be an integer >= ${min}`;
const num = (min: number): Rule => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min ? undefined : `must be a number >= ${min}`;
const bool: Rule = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const priority: Rule = (v) => (Number.isInteger(v) ? undefined : 'must be an integer');
const groupLimit: Rule = (v) => {
  if (Number.isInteger(v) && (v as number) >= 1) return undefined;
  const cfg = v as { default?: unknown } | null;
  if (typeof cfg === 'object' && cfg !== null && Number.isInteger(cfg.default) && (cfg.default as number) >= 1) {
    return undefined;
  }
  return 'must be an integer >= 1 or { default: n, tiers?: { name: n } }';
};

/** The longest rate-limit window, in seconds (a day). */
export const RATE_LIMIT_MAX_WINDOW_SECONDS = 86_400;

const rateLimit: Rule = (v) => {
  const limit = v as { max?: unknown; perSeconds?: unknown } | null;
  const shape = `must be { max: an integer >= 1, perSeconds: a number from 0.1 to ${RATE_LIMIT_MAX_WINDOW_SECONDS} }`;
  if (typeof limit !== 'object' || limit === null || Array.isArray(limit)) return shape;
  const extra = Object.keys(limit).find((key) => key !== 'max' && key !== 'perSeconds');
  if (extra !== undefined) return `${shape} (unknown key ${show(extra)})`;
  if (!Number.isInteger(limit.max) || (limit.max as number) < 1) return shape;
  const per = limit.perSeconds;
  if (typeof per !== 'number' || !Number.isFinite(per) || per < 0.1 || per > RATE_LIMIT_MAX_WINDOW_SECONDS) return shape;
  return undefined;
};

const subscribe: Rule = (v) => {
  const shape = "must be an array of events (defineEvent('name'))";
  if (!Array.isArray(v)) return shape;
  const names = new Set<string>();
  for (const [i, event] of v.entries()) {
    if (!isEventDefinition(event) || !isQueueName(event.name)) return `${shape}; [${i}] is not one`;
    if (names.has(event.name)) return `lists event "${event.name}" twice`;
    names.add(event.name);
  }
  return undefined;
};

/** Every option `@JobHandler`, `@Recurring` and the module's `handlers` map accept, with its rule. */
const RULES: Record<string, Rule> = {
  concurrency: int(1),
  batchSize: int(1),
  groupConcurrency: (v, all) =>
    groupLimit(v, all) ??
    (all.localGroupConcurrency !== undefined
      ? 'cannot be combined with localGroupConcurrency (pg-boss runs one or the other); choose one'
      : undefined),
  localGroupConcurrency: groupLimit,
  adaptiveBatching: bool,
  pollingIntervalSeconds: num(0.5),
  minPriority: priority,
  maxPriority: (v, all) =>
    priority(v, all) ??
    (typeof all.minPriority === 'number' && (v as number) < all.minPriority
      ? `must be >= minPriority (${all.minPriority})`
      : undefined),
  rateLimit,
  subscribe,
  heartbeatRefreshSeconds: (v, all) =>
    num(Number.MIN_VALUE)(v, all) ??
    (all.heartbeatSeconds !== undefined && (v as number) >= all.heartbeatSeconds
      ? `must be less than heartbeatSeconds (${all.heartbeatSeconds})`
      : undefined),
  retryLimit: int(0),
  retryDelay: int(0),
  retryBackoff: bool,
  retryDelayMax: (v, all) =>
    int(0)(v, all) ?? (all.retryBackoff === true ? undefined : 'only applies with retryBackoff: true'),
  expireInSeconds: (v, all) =>
    num(1)(v, all) ?? ((v as number) > 24 * 3600 ? 'cannot exceed 86400 (24 hours)' : undefined),
  heartbeatSeconds: int(10),
  retentionSeconds: num(1),
  deleteAfterSeconds: num(0),
  warningQueueSize: int(1),
  deadLetter: (v) =>
    isQueueName(v)
      ? undefined
      : `must be a queue name (letters, digits, "_", "-", "." and "/", at most ${MAX_QUEUE_NAME_LENGTH} characters)`,
  policy: (v) =>
    typeof v === 'string' && Object.values(policies).includes(v as never)
      ? undefined
      : `must be one of ${Object.values(policies).join(', ')}`,
  partition: bool,
  // @Recurring only
  tz: (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be an IANA time zone name'),
  data: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be an object'),
};

/**
 * The problem with one option value under the rules `@JobHandler` options follow ("must be an
 * integer >= 0"), or `undefined` when it is valid. `all` holds the other options given with it,
 * for rules that depend on them (retryDelayMax needs retryBackoff).
 */
export function optionProblem(key: string, value: unknown, all: Record<string, unknown>): string | undefined {
  return RULES[key]?.(value, all as JobHandlerOptions);
}

/** Whether `key` is an option `@JobHandler` or `@Recurring` accepts (a queue, worker or schedule option). */
export function isHandlerOption(key: string): boolean {
  return Object.hasOwn(RULES, key);
}

/** Keys of {@link RULES} that `@Recurring` refuses: its jobs come from its schedules, one at a time. */
const NOT_RECURRING = new Set(['batchSize', 'subscribe']);

/** Keys of {@link RULES} that only `@Recurring` accepts. */
const RECURRING_ONLY = new Set(['tz', 'data']);

/**
 * Validates handler options, throwing a `JobsConfigurationError` that names the handler, the option
 * and the accepted values. Unknown keys are refused, since they are almost always typos.
 */
export function validateHandlerOptions(
  options: Record<string, unknown>,
  owner: string,
  { recurring = false }: { recurring?: boolean } = {},
): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = RULES[key];
    if (!rule || (!recurring && RECURRING_ONLY.has(key)) || (recurring && NOT_RECURRING.has(key))) {
      const known = Object.keys(RULES).filter((k) => (recurring ? !NOT_RECURRING.has(k) : !RECURRING_ONLY.has(k)));
      throw new JobsConfigurationError(
        INVALID_HANDLER_OPTION(owner, `unknown option ${show(key)} (known: ${known.join(', ')})`),
      );
    }
    const problem = rule(value, options as JobHandlerOptions);
    if (problem) {
      throw new JobsConfigurationError(
        INVALID_HANDLER_OPTION(owner, `${key} ${problem}, got ${show(value)}`),
      );
    }
  }
}

/** The most a `localGroupConcurrency` value lets run at once in any group. */
function largestGroupLimit(limit: number | GroupConcurrencyConfig): number {
  if (typeof limit === 'number') return limit;
  return Math.max(limit.default, ...Object.values(limit.tiers ?? {}));
}

// The limit as written, numbers and tier names only (never a serialised object).
function describeGroupLimit(limit: number | GroupConcurrencyConfig): string {
  if (typeof limit === 'number') return String(limit);
  const tiers = Object.entries(limit.tiers ?? {}).map(([tier, n]) => `${show(tier)}: ${String(n)}`);
  return `{ default: ${String(limit.default)}${tiers.length ? `, tiers: { ${tiers.join(', ')} }` : ''} }`;
}

/** Policies under which a slot fetches one job at a time: they limit active jobs per key. */
const ONE_AT_A_TIME_POLICIES = new Set(['singleton', 'stately', 'exclusive', 'key_strict_fifo']);

/**
 * What keeps a handler's slots from adapting their batch size, in words for an error message, or
 * `undefined` when they can: fetching several jobs at once would change what a fetch may take.
 */
export function adaptiveBlocker(
  kind: 'single' | 'batch' | 'recurring',
  options: JobHandlerOptions,
  queueOptions: JobQueueOptions,
): string | undefined {
  if (kind === 'batch') return 'a batch handler (batchSize), which fetches batchSize jobs';
  if (kind === 'recurring') return 'a @Recurring handler';
  if (options.rateLimit !== undefined) return 'a rate limit (rateLimit), which gives jobs start permits one at a time';
  if (options.groupConcurrency !== undefined || options.localGroupConcurrency !== undefined) {
    return 'group limits, which are checked one fetch at a time';
  }
  if (queueOptions.policy !== undefined && ONE_AT_A_TIME_POLICIES.has(queueOptions.policy)) {
    return `the "${queueOptions.policy}" policy, which limits active jobs per key`;
  }
  return undefined;
}

/**
 * Checks the rules that only hold for a handler's merged options (module defaults, definition,
 * decorator and `handlers` override together), throwing a `JobsConfigurationError` naming the
 * handler. `explicit` are the layers the handler itself set (decorator and override): an option
 * there that cannot apply is refused, while the same value in `workerDefaults` is only a default.
 */
export function validateMergedHandlerOptions(
  options: JobHandlerOptions,
  queueOptions: JobQueueOptions,
  kind: 'single' | 'batch' | 'recurring',
  explicit: Record<string, unknown>[],
  owner: string,
): void {
  const concurrency = options.concurrency ?? 1;
  if (options.localGroupConcurrency !== undefined && largestGroupLimit(options.localGroupConcurrency) > concurrency) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(
        owner,
        `localGroupConcurrency ${describeGroupLimit(options.localGroupConcurrency)} exceeds concurrency (${concurrency}): ` +
          'the limit counts the jobs of this handler in this instance, which never runs more than concurrency at once; ' +
          'raise concurrency or lower the limit',
      ),
    );
  }
  if (options.rateLimit !== undefined) checkRateLimit(options.rateLimit, kind, concurrency, queueOptions, owner);
  if (!explicit.some((layer) => layer.adaptiveBatching === true)) return;
  const blocker = adaptiveBlocker(kind, options, queueOptions);
  if (blocker) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(owner, `adaptiveBatching: true cannot apply to ${blocker}; remove it`),
    );
  }
}

/**
 * The rules of a handler's `rateLimit` that depend on its other options: permits are taken one job
 * at a time (no batch handlers), and a job waiting for its window must not time out first. A slot
 * waits at most as many windows as it takes to serve the permits this instance's slots hold
 * (`ceil(concurrency / max)`); other instances lengthen the line, which README's "Rate limits" covers.
 */
function checkRateLimit(
  limit: JobRateLimit,
  kind: 'single' | 'batch' | 'recurring',
  concurrency: number,
  queueOptions: JobQueueOptions,
  owner: string,
): void {
  if (kind === 'batch') {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(
        owner,
        'rateLimit applies to single-job handlers (each job takes a start permit); a batch handler (batchSize) starts its jobs together. ' +
          'Remove batchSize, or rateLimit',
      ),
    );
  }
  const expire = queueOptions.expireInSeconds ?? MANAGED_QUEUE_OPTION_DEFAULTS.expireInSeconds;
  const windows = Math.ceil(concurrency / limit.max);
  const wait = windows * limit.perSeconds;
  if (wait >= expire) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(
        owner,
        `rateLimit { max: ${limit.max}, perSeconds: ${limit.perSeconds} } with concurrency ${concurrency} can make a job wait ` +
          `up to ${wait} s for its window in its slot, and expireInSeconds is ${expire}: it would time out before it starts. ` +
          'Raise expireInSeconds above that wait, lower concurrency, or shorten perSeconds',
      ),
    );
  }
}
