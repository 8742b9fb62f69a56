import { RECURRING_METADATA } from '../../module/jobs.constants.js';
import type { JobDefinition } from '../../interfaces/job-definition.interface.js';
import type { Job } from '../../interfaces/job.interface.js';
import type { JobQueueOptions } from '../../interfaces/queue-options.interface.js';
import type { JobWorkerOptions } from '../../interfaces/job-handler-options.interface.js';
import type { HandlerReturn } from '../../interfaces/job-result.interface.js';

/** Options of `@Recurring`. `TData` is the payload type, the definition's input type when one is given. */
export interface RecurringOptions<TData = object> extends JobQueueOptions, JobWorkerOptions {
  /** IANA time zone the cron expression is read in (default UTC), e.g. `Europe/Berlin`. */
  tz?: string;
  /** Payload of each scheduled job, checked against the definition's schema at bootstrap. */
  data?: TData;
  /**
   * Names this schedule, so that one queue can have several: stack `@Recurring` on one method, each
   * with its own key (letters, digits, `_`, `-`, `.`, `/`; at most 100 characters). At most one of
   * them may go without a key.
   */
  key?: string;
}

/** Metadata stored by `@Recurring`: one entry per decorator on the method, in source order. */
export interface RecurringMetadata {
  readonly definition: JobDefinition<unknown, unknown>;
  readonly cron: string;
  readonly options: RecurringOptions;
}

// `data` is required when the definition's payload has required properties.
type RecurringOptionsArgs<I> = Partial<I> extends I
  ? [options?: RecurringOptions<NoInfer<I>>]
  : [options: RecurringOptions<NoInfer<I>> & { data: NoInfer<I> }];

// As in @JobHandler: generic over the decorated method, so only its parameter is checked (and its
// return type, for a definition with a result type).
type TypedMethodDecorator<T> = <M extends T>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Runs a provider method on a cron schedule, once per tick across the whole cluster, however many
 * instances run (unlike `@nestjs/schedule`'s `@Cron`, which fires on every replica). Takes a job
 * definition (`defineJob`: queue options, payload schema, typed `data`) or a queue name, and a cron
 * string, `@nestjs/schedule`'s `CronExpression` or an RRULE. The resolution is one minute: an
 * expression that fires more often (six fields with several seconds) fails bootstrap. Removing the
 * decorator unschedules the job at the next bootstrap. Stack it, with a `key` each, for several
 * schedules of one queue.
 *
 * @example
 * @Recurring('nightly-cleanup', CronExpression.EVERY_DAY_AT_3AM, { tz: 'Europe/Berlin', retryLimit: 3 })
 * async cleanup(job: Job) { await this.sessions.deleteExpired(); }
 *
 * // a definition: `data` is typed and checked against its schema at bootstrap
 * @Recurring(Report, '0 8 * * 1-5', { key: 'morning', data: { kind: 'daily' } })
 * @Recurring(Report, '0 9 * * 1', { key: 'weekly', data: { kind: 'weekly' } })
 * async report(job: Job<{ kind: 'daily' | 'weekly' }>) { ... }
 */
export function Recurring<I, O, R>(
  definition: JobDefinition<I, O, R>,
  cron: string,
  ...options: RecurringOptionsArgs<I>
): TypedMethodDecorator<(job: Job<O>) => HandlerReturn<R>>;
export function Recurring(name: string, cron: string, options?: RecurringOptions): MethodDecorator;
export function Recurring(
  definition: JobDefinition<unknown, unknown> | string,
  cron: string,
  options: RecurringOptions = {},
): MethodDecorator {
  const def = typeof definition === 'string' ? { name: definition, options: {} } : definition;
  const metadata: RecurringMetadata = { definition: def, cron, options };
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const stacked = (Reflect.getOwnMetadata(RECURRING_METADATA, method) ?? []) as RecurringMetadata[];
    // Decorators apply bottom-up: prepending keeps the list in source order.
    Reflect.defineMetadata(RECURRING_METADATA, [metadata, ...stacked], method);
    return descriptor;
  };
}
