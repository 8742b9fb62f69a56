// The edges of the module's life: calls made before the application is initialised, while it
// starts, while it shuts down and after it closed. Each either works or fails with a named error.
import { Injectable, type OnApplicationShutdown, type BeforeApplicationShutdown } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  defineJob,
  flowStep,
  JobHandler,
  JobsModule,
  JobsNotRunningError,
  JobsService,
  JobValidationError,
  type Job,
} from '../../lib/index.js';
import { createApp, databaseUrl, gate, schemasDroppedAfterAll, sql, track } from '../support/e2e.js';

const Mail = defineJob('mail', { schema: z.object({ to: z.string().email() }), deadLetter: 'mail.dead' });
const Note = defineJob<{ n: number }>('note');
const A_UUID = '0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d';

@Injectable()
class MailJobs {
  @JobHandler(Mail)
  async mail(_job: Job<{ to: string }>) {}

  @JobHandler(Note)
  async note(_job: Job<{ n: number }>) {}
}

/** Rejects with "still pending" when `promise` has not settled within `ms`: for calls that used to hang. */
function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, pending]).finally(() => clearTimeout(timer));
}

/** A compiled module that nobody initialised yet: providers exist, no lifecycle hook ran. */
async function compiled(schema: string, initTimeoutMs?: number, providers: unknown[] = [MailJobs]): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      JobsModule.forRoot({
        connectionString: databaseUrl(),
        schema,
        logger: false,
        startAttempts: 1,
        ...(initTimeoutMs !== undefined ? { initTimeoutMs } : {}),
      }),
    ],
    providers: providers as never,
  }).compile();
  return track(moduleRef);
}

const jobsIn = async (schema: string, queue: string) =>
  (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.job WHERE name = $1`, [queue]))[0]!.n;

/** Every JobsService method, each called once with valid arguments. */
const everyMethod: Array<[string, (jobs: JobsService) => Promise<unknown>]> = [
  ['send', (jobs) => jobs.send(Note, { n: 1 })],
  ['send by name', (jobs) => jobs.send('note', { n: 1 })],
  ['sendMany', (jobs) => jobs.sendMany(Note, [{ data: { n: 1 } }])],
  ['flow', (jobs) => jobs.flow([flowStep('a', Note, { n: 1 })])],
  ['schedule', (jobs) => jobs.schedule(Note, '0 3 * * *', { n: 1 }, { key: 'k' })],
  ['unschedule', (jobs) => jobs.unschedule(Note, 'k')],
  ['cancel', (jobs) => jobs.cancel(Note, A_UUID)],
  ['resume', (jobs) => jobs.resume(Note, A_UUID)],
  ['retry', (jobs) => jobs.retry(Note, A_UUID)],
  ['getJob', (jobs) => jobs.getJob(Note, A_UUID)],
  ['findJobs', (jobs) => jobs.findJobs(Note, { data: { n: 1 } })],
  ['getQueue', (jobs) => jobs.getQueue(Note)],
  ['getQueueCounts', (jobs) => jobs.getQueueCounts(Note)],
  ['getDeadLetters', (jobs) => jobs.getDeadLetters(Mail)],
  ['redrive', (jobs) => jobs.redrive(Mail)],
];

describe('lifecycle edges', () => {
  const schema = schemasDroppedAfterAll();

  it('fails every JobsService method after app.close() with JobsNotRunningError (shut-down), writing nothing', async () => {
    const s = schema('closed');
    const app = await createApp(s, { providers: [MailJobs] });
    const jobs = app.get(JobsService);
    await app.close();
    for (const [label, call] of everyMethod) {
      const error = await call(jobs).then(
        () => new Error(`${label} should have failed`),
        (e: unknown) => e as Error,
      );
      expect([label, error]).toEqual([label, expect.any(JobsNotRunningError)]);
      expect(error.message).toMatch(/^JobsModule is shut down: the application was closed/);
      expect((error as JobsNotRunningError).reason).toBe('shut-down');
    }
    expect(await jobsIn(s, 'note')).toBe(0);
  });

  it('fails a call on an application that is never initialised after initTimeoutMs, with JobsNotRunningError (not-started)', async () => {
    const moduleRef = await compiled(schema('never'), 200);
    const jobs = moduleRef.get(JobsService);
    const [send, counts] = await Promise.all(
      [jobs.send(Note, { n: 1 }), jobs.getQueueCounts(Note)].map((call: Promise<unknown>) =>
        settlesWithin(call, 10_000).then(
          () => new Error('should have failed'),
          (e: unknown) => e as Error,
        ),
      ),
    );
    expect(send).toBeInstanceOf(JobsNotRunningError);
    expect((send as JobsNotRunningError).reason).toBe('not-started');
    expect(send!.message).toMatch(/^JobsModule has not started: this JobsService call waited 200 ms for the application to be initialised\. .*app\.init\(\)/);
    expect(counts).toBeInstanceOf(JobsNotRunningError);
    await moduleRef.close();
  });

  it('fails a call still waiting for init when the never-initialised application is closed', async () => {
    const moduleRef = await compiled(schema('closed_before_init'), 60_000);
    const waiting = moduleRef.get(JobsService).send(Note, { n: 1 }).then(
      () => new Error('should have failed'),
      (e: unknown) => e as Error,
    );
    await moduleRef.close();
    const error = await settlesWithin(waiting, 5_000);
    expect(error).toBeInstanceOf(JobsNotRunningError);
    expect((error as JobsNotRunningError).reason).toBe('shut-down');
  });

  it('lets a call made before init wait for an init that begins within initTimeoutMs, and checks a queue name against its schema', async () => {
    const s = schema('before_init');
    const moduleRef = await compiled(s);
    const jobs = moduleRef.get(JobsService);
    // Sent by queue name before the handlers are known: the schema of "mail" must still apply.
    const invalid = jobs.send('mail', { to: 'not-an-email' }).then(
      () => new Error('the invalid payload was sent'),
      (e: unknown) => e as Error,
    );
    const valid = jobs.send('mail', { to: 'ada@example.com' });
    const many = jobs.sendMany('mail', [{ data: { to: 'nope' } }]).then(
      () => new Error('the invalid payload was sent'),
      (e: unknown) => e as Error,
    );
    await moduleRef.init();
    expect(await invalid).toBeInstanceOf(JobValidationError);
    expect((await invalid).message).toMatch(/^Invalid payload for job "mail"/);
    expect(await many).toBeInstanceOf(JobValidationError);
    expect(await valid).toEqual(expect.any(String));
    expect(await jobsIn(s, 'mail')).toBe(1);
    await moduleRef.close();
  });

  it('lets a call made before init wait past initTimeoutMs once init has begun', async () => {
    const s = schema('slow_init');
    const release = gate();
    @Injectable()
    class SlowOptions {
      // An options factory that takes its time: init has begun, and is not over.
      @JobHandler(Note, async () => {
        await release.promise;
        return {};
      })
      async note() {}
    }
    const moduleRef = await compiled(s, 50, [SlowOptions]);
    const jobs = moduleRef.get(JobsService);
    const sent = jobs.send(Note, { n: 1 });
    const initialising = moduleRef.init();
    // Longer than initTimeoutMs: the point of this test is that the timeout no longer applies.
    await new Promise((resolve) => setTimeout(resolve, 250));
    release.open();
    await initialising;
    expect(await sent).toEqual(expect.any(String));
    await moduleRef.close();
  });

  it('still sends from handlers and from other providers shutdown hooks while the app closes', async () => {
    const s = schema('closing');
    @Injectable()
    class ShutdownSender implements BeforeApplicationShutdown, OnApplicationShutdown {
      readonly results: unknown[] = [];
      constructor(private readonly jobs: JobsService) {}
      async beforeApplicationShutdown() {
        this.results.push(await this.jobs.send(Note, { n: 1 }).catch((e: unknown) => e));
      }
      async onApplicationShutdown() {
        this.results.push(await this.jobs.send('note', { n: 2 }).catch((e: unknown) => e));
        this.results.push(await this.jobs.getQueueCounts(Note).catch((e: unknown) => e));
      }
    }
    const app = await createApp(s, { providers: [ShutdownSender], jobs: { workers: false, queues: [Note] } });
    const sender = app.get(ShutdownSender);
    await app.close();
    expect(sender.results).toEqual([expect.any(String), expect.any(String), expect.objectContaining({ queue: 'note', queued: 2 })]);
    expect(await jobsIn(s, 'note')).toBe(2);
  });
});
