import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from '@jest/globals';
import {
  defineJob,
  DuplicateJobHandlerError,
  JobHandler,
  JobsConfigurationError,
  JobsModule,
  JobsService,
  QueueConflictError,
  Recurring,
  RECURRING_SCHEDULE_KEY,
  type Job,
} from '../../lib/index.js';
import { createApp, databaseUrl, schemasDroppedAfterAll, track } from '../support/e2e.js';

const Mail = defineJob<{ to: string }>('mail');

@Injectable()
class ZeroConcurrency {
  @JobHandler(Mail, { concurrency: 0 })
  async send(_job: Job<{ to: string }>) {}
}

@Injectable()
class TypoOption {
  @JobHandler('typo', { concurency: 2 } as never)
  async send() {}
}

@Injectable()
class BadCron {
  @Recurring('bad-cron', '61 * * * *')
  async tick() {}
}

@Injectable()
class BadZone {
  @Recurring('bad-zone', '0 3 * * *', { tz: 'Mars/Olympus' })
  async tick() {}
}

@Injectable()
class MailA {
  @JobHandler(Mail)
  async send(_job: Job<{ to: string }>) {}
}

@Injectable()
class MailB {
  @JobHandler(Mail)
  async deliver(_job: Job<{ to: string }>) {}
}

const expectBootstrapError = async (schema: string, providers: unknown[], jobs = {}) =>
  createApp(schema, { providers: providers as never, jobs }).then(
    (app) => {
      void app.close();
      throw new Error('bootstrap should have failed');
    },
    (e: unknown) => e as Error,
  );

describe('bootstrap', () => {
  const schema = schemasDroppedAfterAll();

  it('fails on an invalid handler option with a message naming the handler and the fix', async () => {
    const error = await expectBootstrapError(schema('bad_opt'), [ZeroConcurrency]);
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect(error.message).toBe(
      'Invalid options for ZeroConcurrency.send (queue "mail"): concurrency must be an integer >= 1, got 0.',
    );
  });

  it('fails on an unknown option, listing the known ones', async () => {
    const error = await expectBootstrapError(schema('typo'), [TypoOption]);
    expect(error.message).toMatch(/^Invalid options for TypoOption\.send \(queue "typo"\): unknown option "concurency" \(known: concurrency, /);
  });

  it('fails on an invalid cron expression or time zone before writing anything', async () => {
    const cron = await expectBootstrapError(schema('cron'), [BadCron]);
    expect(cron.message).toMatch(/^Invalid options for BadCron\.tick \(queue "bad-cron"\): cron "61 \* \* \* \*" is invalid/);
    const zone = await expectBootstrapError(schema('zone'), [BadZone]);
    expect(zone.message).toMatch(/BadZone\.tick .*tz "Mars\/Olympus" is invalid/);
  });

  it('fails when two methods handle one queue, naming both', async () => {
    const error = await expectBootstrapError(schema('dup'), [MailA, MailB]);
    expect(error).toBeInstanceOf(DuplicateJobHandlerError);
    expect(error.message).toContain('Two handlers for queue "mail": MailA.send and MailB.deliver.');
  });

  it('updates a queue whose declared options changed since the last deploy, and reverts removed ones', async () => {
    const s = schema('update');
    const v1 = defineJob('invoice', {
      retryLimit: 7,
      expireInSeconds: 120,
      deadLetter: 'invoice.dead',
      warningQueueSize: 50,
    });
    @Injectable()
    class V1 {
      @JobHandler(v1)
      async run() {}
    }
    const app1 = await createApp(s, { providers: [V1] });
    const q1 = await app1.get(JobsService).getQueue('invoice');
    expect(q1).toMatchObject({ retryLimit: 7, expireInSeconds: 120, deadLetter: 'invoice.dead', warningQueueSize: 50 });
    expect(await app1.get(JobsService).getQueue('invoice.dead')).not.toBeNull();
    await app1.close();

    const v2 = defineJob('invoice', { retryLimit: 3 });
    @Injectable()
    class V2 {
      @JobHandler(v2)
      async run() {}
    }
    const logged: string[] = [];
    const logger = { log: (m: string) => void logged.push(m), warn() {}, error() {} };
    const app2 = await createApp(s, { providers: [V2], jobs: { logger } });
    const q2 = await app2.get(JobsService).getQueue('invoice');
    expect(q2).toMatchObject({ retryLimit: 3, expireInSeconds: 900, deadLetter: null });
    // pg-boss refuses to unset warningQueueSize: it stays, and the module says so.
    expect(q2?.warningQueueSize).toBe(50);
    expect(logged).toContain(
      'Queue "invoice" keeps warningQueueSize=50: no longer declared, but pg-boss cannot unset it',
    );
    await app2.close();
  });

  it('refuses a policy change pg-boss cannot apply, saying what to do', async () => {
    const s = schema('policy');
    const app1 = await createApp(s, { providers: [MailA] });
    await app1.close();
    const Singleton = defineJob('mail', { policy: 'singleton' });
    @Injectable()
    class MailSingleton {
      @JobHandler(Singleton)
      async send() {}
    }
    const error = await expectBootstrapError(s, [MailSingleton]);
    expect(error).toBeInstanceOf(QueueConflictError);
    expect(error.message).toContain(
      'Queue "mail" exists with policy "standard", but MailSingleton.send declares policy "singleton". ' +
        "pg-boss cannot change a queue's policy after it is created.",
    );
    expect(error.message).toContain('"mail.v2"');
  });

  it('unschedules a @Recurring removed from the code, and leaves runtime schedules alone', async () => {
    const s = schema('orphans');
    @Injectable()
    class Before {
      @Recurring('keep', '0 3 * * *')
      async keep() {}
      @Recurring('drop', '0 4 * * *', { tz: 'Europe/Berlin' })
      async drop() {}
    }
    const app1 = await createApp(s, { providers: [Before] });
    await app1.get(JobsService).schedule('keep', '*/5 * * * *', {}, { key: 'runtime' });
    const before = await app1.get(JobsService).boss.getSchedules();
    expect(before.map((x) => `${x.name}/${x.key}`).sort()).toEqual([
      `drop/${RECURRING_SCHEDULE_KEY}`,
      `keep/${RECURRING_SCHEDULE_KEY}`,
      'keep/runtime',
    ]);
    expect(before.find((x) => x.name === 'drop')?.timezone).toBe('Europe/Berlin');
    await app1.close();

    @Injectable()
    class After {
      @Recurring('keep', '0 3 * * *')
      async keep() {}
    }
    const app2 = await createApp(s, { providers: [After] });
    const after = await app2.get(JobsService).boss.getSchedules();
    expect(after.map((x) => `${x.name}/${x.key}`).sort()).toEqual([`keep/${RECURRING_SCHEDULE_KEY}`, 'keep/runtime']);
    await app2.get(JobsService).unschedule('keep', 'runtime');
    const left = await app2.get(JobsService).boss.getSchedules();
    expect(left.map((x) => `${x.name}/${x.key}`)).toEqual([`keep/${RECURRING_SCHEDULE_KEY}`]);
    await app2.close();
  });

  it('takes options from configuration: forRootAsync with injected config, option factories and handler overrides', async () => {
    const s = schema('async');
    class AppConfig {
      readonly values: Record<string, number> = { MAIL_CONCURRENCY: 4 };
      get(key: string) {
        return this.values[key];
      }
    }
    @Module({ providers: [AppConfig], exports: [AppConfig] })
    class ConfigModule {}
    const Reports = defineJob('reports');
    @Injectable()
    class Configured {
      @JobHandler(Mail, ({ get }) => ({ concurrency: get(AppConfig).get('MAIL_CONCURRENCY') }))
      async send() {}
      @JobHandler(Reports, { concurrency: 1 })
      async reports() {}
    }
    @Module({
      imports: [
        JobsModule.forRootAsync({
          imports: [ConfigModule],
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            connectionString: databaseUrl(),
            schema: s,
            logger: false,
            handlers: { reports: { concurrency: config.get('MAIL_CONCURRENCY')! + 1 } },
          }),
        }),
        ConfigModule,
      ],
      providers: [Configured],
    })
    class AsyncApp {}
    const app = track(await NestFactory.createApplicationContext(AsyncApp, { logger: false }));
    const wip = app.get(JobsService).boss.getWipData();
    const concurrency = (queue: string) => wip.filter((w) => w.name === queue).length;
    expect(concurrency('mail')).toBe(4);
    expect(concurrency('reports')).toBe(5);
    await app.close();
  });

  it('accepts forRootAsync({ useClass }) with a createJobsOptions() factory class', async () => {
    const s = schema('use_class');
    @Injectable()
    class JobsConfig {
      createJobsOptions() {
        return { connectionString: databaseUrl(), schema: s, logger: false as const, workers: false };
      }
    }
    @Module({ imports: [JobsModule.forRootAsync({ useClass: JobsConfig })], providers: [MailA] })
    class ClassApp {}
    const app = track(await NestFactory.createApplicationContext(ClassApp, { logger: false }));
    const jobs = app.get(JobsService);
    expect(await jobs.send(Mail, { to: 'ada@example.com' })).toEqual(expect.any(String));
    expect(jobs.boss.getWipData()).toHaveLength(0);
    await app.close();
  });
});
