import { SetMetadata } from '@nestjs/common';
import { RECURRING_METADATA } from '../jobs.constants.js';
import type { JobQueueOptions } from '../interfaces/queue-options.interface.js';
import type { JobWorkerOptions } from '../interfaces/job-handler-options.interface.js';

/** Options of `@Recurring`. */
export interface RecurringOptions extends JobQueueOptions, JobWorkerOptions {
  /** IANA time zone the cron expression is read in (default UTC), e.g. `Europe/Berlin`. */
  tz?: string;
  /** Payload of each scheduled job. */
  data?: object;
}

/** Metadata stored by `@Recurring`. */
export interface RecurringMetadata {
  readonly name: string;
  readonly cron: string;
  readonly options: RecurringOptions;
}

/**
 * Runs a provider method on a cron schedule, once per tick across the whole cluster, however many
 * instances run (unlike `@nestjs/schedule`'s `@Cron`, which fires on every replica). Accepts a cron
 * string or `@nestjs/schedule`'s `CronExpression`. Removing the decorator unschedules the job at
 * the next bootstrap.
 *
 * @example
 * @Recurring('nightly-cleanup', CronExpression.EVERY_DAY_AT_3AM, { tz: 'Europe/Berlin', retryLimit: 3 })
 * async cleanup(job: Job) { await this.sessions.deleteExpired(); }
 */
export function Recurring(name: string, cron: string, options: RecurringOptions = {}): MethodDecorator {
  return SetMetadata<string, RecurringMetadata>(RECURRING_METADATA, { name, cron, options });
}
