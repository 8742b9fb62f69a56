import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  defineEvent,
  defineJob,
  JobHandler,
  JobsConfigurationError,
  JobsService,
  JobValidationError,
  Recurring,
  type Job,
} from '../../../lib/index.js';
import { getJobsTester, JobsTestingModule } from '../../../lib/testing/index.js';

const UserSignedUp = defineEvent('user.signed-up', { schema: z.object({ userId: z.string().min(1) }) });
const WelcomeEmail = defineJob<{ userId: string }>('welcome-email');
const CrmSync = defineJob<{ userId: string }>('crm-sync');
const Audit = defineJob<{ userId: string }>('audit');

@Injectable()
class SignUpJobs {
  readonly ran: string[] = [];

  @JobHandler(WelcomeEmail, { subscribe: [UserSignedUp] })
  async welcome(job: Job<{ userId: string }>) {
    this.ran.push(`welcome:${job.data.userId}`);
  }

  @JobHandler(CrmSync, { subscribe: [UserSignedUp] })
  async crm(job: Job<{ userId: string }>) {
    this.ran.push(`crm:${job.data.userId}`);
  }

  @JobHandler(Audit)
  async audit(job: Job<{ userId: string }>) {
    this.ran.push(`audit:${job.data.userId}`);
  }
}

async function compile(mode: 'manual' | 'inline', providers: unknown[] = [SignUpJobs], jobs: Record<string, unknown> = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [JobsTestingModule.forRoot({ mode, logger: false, ...jobs })],
    providers: providers as never[],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('published events in the testing kit', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('records a publish, sends one job to each subscribed queue and none to the others; drain runs each once', async () => {
    moduleRef = await compile('manual');
    const jobs = moduleRef.get(JobsService);
    const tester = getJobsTester(moduleRef);
    const ids = await jobs.publish(UserSignedUp, { userId: 'u1' });
    expect(ids).toHaveLength(2);
    expect(tester.published(UserSignedUp)).toEqual([{ event: 'user.signed-up', data: { userId: 'u1' }, queues: ['crm-sync', 'welcome-email'], ids }]);
    expect(tester.enqueued(WelcomeEmail)).toHaveLength(1);
    expect(tester.enqueued(CrmSync)).toHaveLength(1);
    expect(tester.enqueued(Audit)).toHaveLength(0);
    expect(await tester.drain()).toMatchObject({ completed: 2, pending: 0 });
    expect(moduleRef.get(SignUpJobs).ran.sort()).toEqual(['crm:u1', 'welcome:u1']);
    tester.clear();
    expect(tester.published()).toEqual([]);
  });

  it('runs the subscribers at once in inline mode', async () => {
    moduleRef = await compile('inline');
    await moduleRef.get(JobsService).publish(UserSignedUp, { userId: 'u2' });
    expect(moduleRef.get(SignUpJobs).ran.sort()).toEqual(['crm:u2', 'welcome:u2']);
  });

  it("refuses a payload the event's schema refuses, and records nothing", async () => {
    moduleRef = await compile('manual');
    const jobs = moduleRef.get(JobsService);
    await expect(jobs.publish(UserSignedUp, { userId: '' })).rejects.toThrow(JobValidationError);
    await expect(jobs.publish(UserSignedUp, { userId: '' })).rejects.toThrow(/Invalid payload for job "user\.signed-up" \(published event\)/);
    expect(getJobsTester(moduleRef).published()).toEqual([]);
    expect(getJobsTester(moduleRef).enqueued(WelcomeEmail)).toEqual([]);
  });

  it('refuses what is not an event, and an unknown publish option', async () => {
    moduleRef = await compile('manual');
    const jobs = moduleRef.get(JobsService);
    await expect(jobs.publish(WelcomeEmail as never, { userId: 'x' })).rejects.toThrow(JobsConfigurationError);
    await expect(jobs.publish('user.signed-up' as never, { userId: 'x' })).rejects.toThrow(/takes an event .*got string/);
    await expect(jobs.publish(UserSignedUp, { userId: 'x' }, { priority: 1 } as never)).rejects.toThrow(/unknown option "priority"/);
  });
});

describe('defineEvent and subscribe: bad declarations fail with a clear error', () => {
  it('checks the event name and options', () => {
    expect(() => defineEvent('user signed up')).toThrow(/defineEvent\("user signed up"\): queue name "user signed up" may only contain/);
    expect(() => defineEvent('x', { schema: {} as never })).toThrow(/defineEvent\('x'\): "schema" must implement Standard Schema v1/);
    expect(() => defineEvent('x', { retryLimit: 1 } as never)).toThrow(/defineEvent\('x'\): unknown option "retryLimit" \(known: schema\)/);
  });

  it.each([
    ['a job definition in subscribe', { subscribe: [WelcomeEmail] }, /subscribe must be an array of events \(defineEvent\('name'\)\); \[0\] is not one/],
    ['an event listed twice', { subscribe: [UserSignedUp, UserSignedUp] }, /subscribe lists event "user\.signed-up" twice/],
    ['subscribe that is no array', { subscribe: UserSignedUp }, /subscribe must be an array of events/],
  ])('refuses %s at bootstrap, naming the handler', async (_label, options, message) => {
    @Injectable()
    class Bad {
      @JobHandler(WelcomeEmail, options as never)
      async welcome() {}
    }
    await expect(compile('manual', [Bad])).rejects.toThrow(message);
    await expect(compile('manual', [Bad])).rejects.toThrow(/Bad\.welcome \(queue "welcome-email"\)/);
  });

  it('refuses subscribe on @Recurring and in workerDefaults', async () => {
    @Injectable()
    class Nightly {
      @Recurring(Audit, '0 3 * * *', { subscribe: [UserSignedUp] } as never)
      async nightly() {}
    }
    await expect(compile('manual', [Nightly])).rejects.toThrow(/unknown option "subscribe"/);
    await expect(compile('manual', [SignUpJobs], { workerDefaults: { subscribe: [UserSignedUp] } })).rejects.toThrow(
      /JobsModule workerDefaults.*subscribe is per queue: declare it on the @JobHandler/,
    );
  });
});
