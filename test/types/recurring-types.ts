// Compile-time checks of @Recurring, run by `npm run typecheck`: every @ts-expect-error below must be
// an error, or tsc fails with "Unused '@ts-expect-error' directive".
import { CronExpression } from '@nestjs/schedule';
import { z } from 'zod';
import { defineJob, Recurring, type Job } from '../../lib/index.js';

const Report = defineJob<{ kind: 'daily' | 'weekly' }>('report', { retryLimit: 3 });
const Untyped = defineJob('untyped');
const Optional = defineJob<{ verbose?: boolean }>('optional');
const Parsed = defineJob('parsed', { schema: z.object({ days: z.coerce.number() }) });

export class RecurringHandlers {
  // the string form keeps working, untyped
  @Recurring('nightly', CronExpression.EVERY_DAY_AT_3AM, { tz: 'Europe/Berlin', data: { full: true }, retryLimit: 3 })
  async nightly(job: Job) {
    void job;
  }

  @Recurring(Report, '0 8 * * *', { key: 'morning', data: { kind: 'daily' } })
  @Recurring(Report, '0 9 * * 1', { key: 'weekly', data: { kind: 'weekly' }, tz: 'Europe/Berlin' })
  async report(job: Job<{ kind: 'daily' | 'weekly' }>) {
    return job.data.kind;
  }

  // @ts-expect-error data of the wrong type for the definition
  @Recurring(Report, '0 8 * * *', { data: { kind: 'monthly' } })
  async wrongData(job: Job<{ kind: 'daily' | 'weekly' }>) {
    void job;
  }

  // @ts-expect-error data with a property the definition does not have
  @Recurring(Report, '0 8 * * *', { data: { kind: 'daily', extra: 1 } })
  async extraData(job: Job<{ kind: 'daily' | 'weekly' }>) {
    void job;
  }

  // @ts-expect-error the definition's payload has required properties: data is required
  @Recurring(Report, '0 8 * * *')
  async missingData(job: Job<{ kind: 'daily' | 'weekly' }>) {
    void job;
  }

  // @ts-expect-error the handler expects another payload than the definition carries
  @Recurring(Report, '0 8 * * *', { data: { kind: 'daily' } })
  async wrongHandler(job: Job<{ orderId: number }>) {
    void job;
  }

  // an untyped definition or one with only optional properties needs no data
  @Recurring(Untyped, '* * * * *')
  async untyped(job: Job<Record<string, unknown>>) {
    void job;
  }

  @Recurring(Optional, '* * * * *', { key: 'quiet' })
  async optional(job: Job<{ verbose?: boolean }>) {
    void job;
  }

  // a schema definition: data takes the schema's input, the handler gets its output
  @Recurring(Parsed, '0 3 * * *', { data: { days: '7' as unknown } })
  async parsed(job: Job<{ days: number }>) {
    return job.data.days + 1;
  }

  // @ts-expect-error batchSize is not an option of a recurring handler
  @Recurring(Untyped, '* * * * *', { batchSize: 10 })
  async batch(job: Job<Record<string, unknown>>) {
    void job;
  }
}
