import type { WorkOptions } from 'pg-boss';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { INVALID_HANDLER_OPTION } from '../errors/jobs.messages.js';
import { DEFAULT_POLLING_INTERVAL_SECONDS } from '../module/jobs.constants.js';
import type { JobHandlerOptions, JobRateLimit } from '../interfaces/job-handler-options.interface.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { JobQueueOptions } from '../interfaces/queue-options.interface.js';
import type {
  DiscoveredHandler,
  RegisteredHandler,
} from '../interfaces/registered-handler.interface.js';
import { adaptiveBlocker, validateHandlerOptions, validateMergedHandlerOptions } from './validate-options.util.js';

/** The options stored on a pg-boss queue, as `defineJob` and `queueDefaults` take them. */
export const QUEUE_KEYS = [
  'retryLimit',
  'retryDelay',
  'retryBackoff',
  'retryDelayMax',
  'expireInSeconds',
  'heartbeatSeconds',
  'retentionSeconds',
  'deleteAfterSeconds',
  'deadLetter',
  'policy',
  'partition',
  'warningQueueSize',
] as const satisfies readonly (keyof JobQueueOptions)[];

/** Splits out the queue options of a mixed options object. */
export function pickQueueOptions(options: Record<string, unknown>): JobQueueOptions {
  const picked: Record<string, unknown> = {};
  for (const key of QUEUE_KEYS) if (options[key] !== undefined) picked[key] = options[key];
  return picked as JobQueueOptions;
}

function omit<T extends Record<string, unknown>>(options: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && !keys.includes(k))) as Partial<T>;
}

/**
 * Merges a handler's options in order of precedence, lowest first: module defaults
 * (`queueDefaults`, `workerDefaults`), the job definition, the decorator, then the module's
 * `handlers[queue]` overrides. Validates the result and names the handler in any error.
 */
export function resolveHandlerOptions(
  discovered: DiscoveredHandler,
  declared: JobHandlerOptions,
  moduleOptions: JobsModuleOptions,
): RegisteredHandler {
  const queue = discovered.definition.name;
  const recurring = discovered.kind === 'recurring';
  const owner = `${discovered.owner} (queue "${queue}")`;
  if (typeof declared !== 'object' || declared === null) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(owner, 'the options factory must return an options object'),
    );
  }
  const override = (moduleOptions.handlers?.[queue] ?? {}) as Record<string, unknown>;
  validateHandlerOptions(declared as Record<string, unknown>, owner, { recurring });
  validateHandlerOptions(override, `${owner}, JobsModule handlers["${queue}"]`, { recurring });

  const queueOptions: JobQueueOptions = {
    ...pickQueueOptions((moduleOptions.queueDefaults ?? {}) as Record<string, unknown>),
    ...pickQueueOptions(discovered.definition.options as Record<string, unknown>),
    ...pickQueueOptions(declared as Record<string, unknown>),
    ...pickQueueOptions(override),
  };
  // The merged set is checked again: cross-option rules (retryDelayMax needs retryBackoff) can
  // only fail once the layers are combined.
  validateHandlerOptions(queueOptions as Record<string, unknown>, owner);
  if (queueOptions.deadLetter === queue) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(owner, `deadLetter cannot be the queue itself; use e.g. "${queue}.dead"`),
    );
  }

  const defined = discovered.definition.options.rateLimit;
  const options = {
    ...omit((moduleOptions.workerDefaults ?? {}) as Record<string, unknown>, QUEUE_KEYS),
    // The definition's rate limit is the queue's: under the decorator's and the module's override.
    ...(defined !== undefined ? { rateLimit: defined } : {}),
    ...omit(declared as Record<string, unknown>, [...QUEUE_KEYS, 'tz', 'data']),
    ...omit(override, [...QUEUE_KEYS, 'tz', 'data']),
  } as JobHandlerOptions;
  validateHandlerOptions(options as Record<string, unknown>, owner);

  const kind = discovered.kind === 'single' && options.batchSize !== undefined ? 'batch' : discovered.kind;
  validateMergedHandlerOptions(options, queueOptions, kind, [declared as Record<string, unknown>, override], owner);
  // The module's handlers[queue] tz and data apply to every schedule of the queue.
  const schedules = discovered.schedules?.map((schedule) => {
    const tz = (override.tz ?? schedule.tz) as string | undefined;
    const data = (override.data ?? schedule.data) as object | undefined;
    // Each schedule's own tz and data follow the rules of the options they came with.
    validateHandlerOptions({ tz, data }, owner, { recurring: true });
    return { ...schedule, ...(tz !== undefined ? { tz } : {}), ...(data !== undefined ? { data } : {}) };
  });
  return {
    kind,
    owner: discovered.owner,
    definition: discovered.definition,
    invoke: discovered.invoke,
    queue,
    options,
    queueOptions,
    ...(schedules ? { schedules } : {}),
  };
}

/**
 * How a handler's pg-boss loops are laid out, computed once from its resolved options: the worker
 * layer (worker/worker.slot.ts, worker/worker.pool.ts) adds only the per-loop fields
 * (`localConcurrency`, `batchSize`, `burstWhenBatchFull`: `loopWorkOptions` in worker/worker.slot.ts).
 */
export interface WorkPlan {
  /** Options every `work()` call of the handler shares. */
  readonly loop: WorkOptions;
  /** Concurrency slots: jobs of this queue running at once in this instance. */
  readonly slots: number;
  /** The batch size its loops start with: `batchSize` for a batch handler, else 1. */
  readonly batchSize: number;
  /** Whether each slot adapts its batch size to how quick the handler is (single-job handlers). */
  readonly adaptive: boolean;
  /** All slots in one `work()` call: pg-boss checks `localGroupConcurrency` per call. */
  readonly pooled: boolean;
  /** Start permits each job takes before it starts (then `adaptive` is false: one job per fetch). */
  readonly rateLimit?: JobRateLimit;
}

/** The work plan of a registered handler. */
export function workPlan(handler: RegisteredHandler): WorkPlan {
  const { options } = handler;
  const polling = options.pollingIntervalSeconds ?? DEFAULT_POLLING_INTERVAL_SECONDS;
  const loop: WorkOptions = {
    pollingIntervalSeconds: polling,
    // pg-boss relaxes polling to 30 s while LISTEN/NOTIFY is up, but retries and delayed jobs never
    // NOTIFY: they would start up to 30 s late. Polling stays at the same pace in both modes.
    notifyPollingIntervalSeconds: polling,
    // Metadata carries priority, createdOn and retryLimit for the Job object; per-job results let
    // one batch settle each job on its own and send invalid payloads straight to the dead letter.
    includeMetadata: true,
    perJobResults: true,
  };
  if (options.minPriority !== undefined) loop.minPriority = options.minPriority;
  if (options.maxPriority !== undefined) loop.maxPriority = options.maxPriority;
  if (options.groupConcurrency !== undefined) loop.groupConcurrency = options.groupConcurrency;
  if (options.localGroupConcurrency !== undefined) loop.localGroupConcurrency = options.localGroupConcurrency;
  if (options.heartbeatRefreshSeconds !== undefined) loop.heartbeatRefreshSeconds = options.heartbeatRefreshSeconds;
  return {
    loop,
    slots: options.concurrency ?? 1,
    batchSize: handler.kind === 'batch' ? (options.batchSize ?? 1) : 1,
    adaptive: options.adaptiveBatching !== false && adaptiveBlocker(handler.kind, options, handler.queueOptions) === undefined,
    pooled: options.localGroupConcurrency !== undefined,
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
  };
}
