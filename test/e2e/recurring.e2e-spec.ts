// @Recurring with a job definition (typed data checked against its schema at bootstrap), keys for
// several schedules of one queue, and expressions pg-boss would run otherwise than written.
import { Injectable } from '@nestjs/common';
import { CronExpression } from '@nestjs/schedule';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  defineJob,
  JobsConfigurationError,
  JobsService,
  Recurring,
  RECURRING_SCHEDULE_KEY,
  type Job,
} from '../../lib/index.js';
import { createApp, databaseUrl, schemasDroppedAfterAll, sql, waitFor } from '../support/e2e.js';

const Report = defineJob('report', {
  schema: z.object({ kind: z.enum(['daily', 'weekly']) }),
  retryLimit: 1,
});

// A 1 s cron pass (pg-boss's default is 30 s): an every-minute schedule sends its first job at the
// first pass after it is written, since the latest minute boundary is always inside the due window.
const fastCron = () => ({
  connectionString: undefined,
  connection: { connectionString: databaseUrl(), cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 },
});

const bootstrapError = (schema: string, provider: unknown) =>
  createApp(schema, { providers: [provider as never] }).then(
    () => new Error('bootstrap should have failed'),
    (error: unknown) => error as Error,
  );

const schemaExists = async (schema: string) =>
  (await sql(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema])).length > 0;

describe('@Recurring with a job definition', () => {
  const schema = schemasDroppedAfterAll();

  it('schedules each keyed declaration with its typed payload, and the handler receives it', async () => {
    const received: Array<{ queue: string; data: unknown }> = [];
    @Injectable()
    class Reports {
      @Recurring(Report, '* * * * *', { key: 'every-minute', data: { kind: 'daily' } })
      @Recurring(Report, '0 9 * * 1', { key: 'weekly', data: { kind: 'weekly' }, tz: 'Europe/Berlin' })
      async run(job: Job<{ kind: 'daily' | 'weekly' }>) {
        received.push({ queue: job.name, data: job.data });
      }
    }
    const s = schema('typed');
    const app = await createApp(s, { providers: [Reports], jobs: fastCron() });
    const jobs = app.get(JobsService);

    const schedules = await jobs.boss.getSchedules();
    expect(
      schedules.map((x) => ({ name: x.name, key: x.key, cron: x.cron, timezone: x.timezone, data: x.data })).sort((a, b) => a.key.localeCompare(b.key)),
    ).toEqual([
      { name: 'report', key: `${RECURRING_SCHEDULE_KEY}/every-minute`, cron: '* * * * *', timezone: 'UTC', data: { kind: 'daily' } },
      { name: 'report', key: `${RECURRING_SCHEDULE_KEY}/weekly`, cron: '0 9 * * 1', timezone: 'Europe/Berlin', data: { kind: 'weekly' } },
    ]);
    // The definition's queue options reach the queue.
    expect((await jobs.boss.getQueue('report'))?.retryLimit).toBe(1);

    await waitFor(() => received.find((r) => r.queue === 'report'), { message: 'the every-minute tick', timeoutMs: 75_000, intervalMs: 100 });
    expect(received.filter((r) => r.queue === 'report')[0]!.data).toEqual({ kind: 'daily' });
    await app.close();
  });

  it.each([
    [
      'data that fails the schema',
      () => {
        @Injectable()
        class WrongData {
          @Recurring(Report, '0 3 * * *', { key: 'nightly', data: { kind: 'monthly' } as never })
          async run() {}
        }
        return WrongData;
      },
      /^Invalid options for WrongData\.run \(queue "report", key "nightly"\): data: Invalid payload for job "report": kind: /,
    ],
    [
      'no data where the schema requires some',
      () => {
        @Injectable()
        class MissingData {
          // @ts-expect-error the definition requires data
          @Recurring(Report, '0 3 * * *')
          async run() {}
        }
        return MissingData;
      },
      /^Invalid options for MissingData\.run \(queue "report"\): data: Invalid payload for job "report": /,
    ],
  ])('fails bootstrap on %s, writing nothing', async (_label, provider, message) => {
    const s = schema('bad_data');
    const error = await bootstrapError(s, provider());
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toMatch(message);
    expect(await schemaExists(s)).toBe(false);
  });

  it('removes a keyed @Recurring no decorator declares any more, and keeps the rest and runtime schedules', async () => {
    const s = schema('keys');
    @Injectable()
    class Before {
      @Recurring('digest', '0 7 * * *')
      @Recurring('digest', '0 8 * * *', { key: 'morning' })
      @Recurring('digest', '0 18 * * *', { key: 'evening' })
      async run() {}
    }
    const app1 = await createApp(s, { providers: [Before] });
    await app1.get(JobsService).schedule('digest', '*/5 * * * *', {}, { key: 'runtime' });
    await app1.close();

    @Injectable()
    class After {
      @Recurring('digest', '0 8 * * *', { key: 'morning' })
      async run() {}
    }
    const app2 = await createApp(s, { providers: [After] });
    const left = await app2.get(JobsService).boss.getSchedules();
    expect(left.map((x) => `${x.key} ${x.cron}`).sort()).toEqual([`${RECURRING_SCHEDULE_KEY}/morning 0 8 * * *`, 'runtime */5 * * * *']);
    await app2.close();
  });
});

describe('@Recurring expressions pg-boss would run otherwise than written', () => {
  const schema = schemasDroppedAfterAll();

  it("fails bootstrap on @nestjs/schedule's CronExpression.EVERY_30_SECONDS, naming the handler, writing nothing", async () => {
    @Injectable()
    class EveryThirtySeconds {
      @Recurring('heartbeat', CronExpression.EVERY_30_SECONDS)
      async tick() {}
    }
    const s = schema('seconds');
    const error = await bootstrapError(s, EveryThirtySeconds);
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toMatch(
      /^Invalid options for EveryThirtySeconds\.tick \(queue "heartbeat"\): cron "\*\/30 \* \* \* \* \*" fires more than once a minute \(six fields: the first is seconds\), but a schedule's resolution is one minute: .* Write five fields .*"\* \* \* \* \*" for every minute/,
    );
    expect(await schemaExists(s)).toBe(false);
  });

  it('fails bootstrap on an RRULE firing every second, and on an expression over the length limit', async () => {
    @Injectable()
    class Secondly {
      @Recurring('secondly', 'FREQ=SECONDLY;INTERVAL=10')
      async tick() {}
    }
    @Injectable()
    class TooLong {
      @Recurring('too-long', `FREQ=DAILY;BYHOUR=9\nEXDATE:${'20270101T090000,'.repeat(300)}20270102T090000`)
      async tick() {}
    }
    const [a, b] = [schema('secondly'), schema('too_long')];
    const secondly = await bootstrapError(a, Secondly);
    expect(secondly).toBeInstanceOf(JobsConfigurationError);
    expect(secondly.message).toMatch(/^Invalid options for Secondly\.tick \(queue "secondly"\): rrule "FREQ=SECONDLY;INTERVAL=10" fires more than once a minute/);
    const tooLong = await bootstrapError(b, TooLong);
    expect(tooLong).toBeInstanceOf(JobsConfigurationError);
    expect(tooLong.message).toMatch(/^Invalid options for TooLong\.tick \(queue "too-long"\): cron "FREQ=DAILY;BYHOUR=9\\nEXDATE:.*…" \(4842 characters\) is over the 4096-character limit/);
    expect(await schemaExists(a)).toBe(false);
    expect(await schemaExists(b)).toBe(false);
  });

  it('schedules six-field expressions with one second and RRULEs as written', async () => {
    @Injectable()
    class AsWritten {
      @Recurring('five-minutes', CronExpression.EVERY_5_MINUTES)
      async fiveMinutes() {}
      @Recurring('weekdays', CronExpression.MONDAY_TO_FRIDAY_AT_9AM, { tz: 'Europe/Berlin' })
      async weekdays() {}
      @Recurring('rule', 'FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30', { tz: 'Europe/Berlin' })
      async rule() {}
    }
    const app = await createApp(schema('as_written'), { providers: [AsWritten] });
    const schedules = await app.get(JobsService).boss.getSchedules();
    expect(schedules.map((x) => [x.name, x.cron]).sort()).toEqual([
      ['five-minutes', '0 */5 * * * *'],
      ['rule', 'FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30'],
      ['weekdays', '0 0 09 * * 1-5'],
    ]);
    await app.close();
  });
});
