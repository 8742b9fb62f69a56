import type { JobDefinition } from './job-definition.interface.js';
import type { JobHandlerOptions } from './job-handler-options.interface.js';
import type { JobQueueOptions } from './queue-options.interface.js';

/** Internal: one `@Recurring` schedule of a queue. */
export interface RecurringSchedule {
  cron: string;
  /** The declaration's own key; stored in pg-boss under `recurringScheduleKey(key)`. */
  key?: string;
  tz?: string;
  data?: object;
}

/** Internal: a discovered handler, as the explorer collects it. */
export interface DiscoveredHandler {
  /** `'single'` (one job per call), `'batch'` (an array) or `'recurring'` (one job, on a schedule). */
  kind: 'single' | 'batch' | 'recurring';
  /** `ClassName.method`, used in every message about this handler. */
  owner: string;
  definition: JobDefinition<unknown, unknown>;
  /** Raw options from the decorator: an object, or a factory resolved at bootstrap. */
  options: unknown;
  /** For `'recurring'`: the schedules its `@Recurring` decorators declare, in source order. */
  schedules?: RecurringSchedule[];
  /** Calls the method on the right instance (a fresh one per job for request-scoped providers). */
  invoke: (arg: unknown) => Promise<unknown>;
}

/** Internal: a handler with its options resolved, merged and validated. */
export interface RegisteredHandler extends Omit<DiscoveredHandler, 'options'> {
  queue: string;
  /** Worker and batch options after merging module defaults, decorator and module `handlers`. */
  options: JobHandlerOptions;
  /** Queue options after merging module defaults, definition and decorator. */
  queueOptions: JobQueueOptions;
  /** For `'recurring'`: the schedules, with the module's `handlers[queue]` tz and data applied. */
  schedules?: RecurringSchedule[];
}
