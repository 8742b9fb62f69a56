import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { flowStep, JobsConfigurationError, JobsService, JobValidationError } from '../../../lib/index.js';
import {
  getJobsTester,
  JobAssertionError,
  JobsTestingError,
  JobsTestingModule,
  TestingJobsService,
  type JobsTester,
} from '../../../lib/testing/index.js';
import { Capture, Fanout, Greet, Loop, Recorder, Resize, Row, TestFeatureModule, Unhandled } from './fixtures.js';

async function build(mode: 'manual' | 'inline' = 'manual', extra: object = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [JobsTestingModule.forRoot({ mode, logger: false, ...extra }), TestFeatureModule],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('JobsTestingModule, manual mode', () => {
  let moduleRef: TestingModule;
  let tester: JobsTester;
  let jobs: JobsService;
  let recorder: Recorder;

  beforeEach(async () => {
    moduleRef = await build();
    tester = getJobsTester(moduleRef);
    jobs = moduleRef.get(JobsService);
    recorder = moduleRef.get(Recorder);
  });
  afterEach(() => moduleRef.close());

  it('gives the application a TestingJobsService that records sends without running them', async () => {
    expect(jobs).toBeInstanceOf(TestingJobsService);
    const id = await jobs.send(Greet, { name: 'ada' }, { priority: 5 });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(recorder.greeted).toEqual([]);
    const job = tester.expectEnqueued(Greet, { name: 'ada' }, { priority: 5, count: 1 });
    expect(job).toMatchObject({ id, name: 'greet', data: { name: 'ada' }, state: 'created', retryLimit: 2, deadLetter: 'greet.dead' });
    expect(tester.enqueued(Greet).map((j) => j.data.name)).toEqual(['ada']);
    tester.expectNotEnqueued(Greet, { name: 'bob' });
  });

  it('explains a failed expectation with what the queue holds', async () => {
    await jobs.send(Greet, { name: 'ada' });
    await jobs.send(Resize, { imageId: 'a', width: 3 });
    expect(() => tester.expectEnqueued(Greet, { name: 'bob' })).toThrow(JobAssertionError);
    expect(() => tester.expectEnqueued(Greet, { name: 'bob' })).toThrow(
      `Expected a job enqueued in "greet" with data matching { name: 'bob' }, but none matches; the 1 enqueued there:\n  1. { name: 'ada' }`,
    );
    expect(() => tester.expectEnqueued(Fanout)).toThrow(
      'Expected a job enqueued in "fanout", but none is enqueued there (enqueued elsewhere: "greet" ×1, "resize" ×1).',
    );
    expect(() => tester.expectNotEnqueued(Greet)).toThrow(`Expected no job enqueued in "greet", but found:\n  1. { name: 'ada' }`);
  });

  it('rejects an invalid payload at send with the real JobValidationError, recording nothing', async () => {
    await expect(jobs.send(Resize, { imageId: '', width: 0 })).rejects.toThrow(JobValidationError);
    await expect(jobs.send('resize', { imageId: 7 })).rejects.toThrow('Invalid payload for job "resize"');
    expect(tester.enqueued(Resize)).toEqual([]);
  });

  it('drains through the real handler: the schema output reaches it and the output is stored', async () => {
    await jobs.send(Resize, { imageId: 'cat', width: '64' as unknown as number });
    const summary = await tester.drain(Resize);
    expect(summary).toEqual({ runs: 1, completed: 1, retried: 0, failed: 0, deadLettered: 0, pending: 0 });
    expect(recorder.resized).toEqual([{ imageId: 'cat', width: 64 }]);
    expect(tester.jobs(Resize)[0]).toMatchObject({ state: 'completed', output: { value: 128 } });
    expect(tester.enqueued(Resize)).toEqual([]);
  });

  it('retries up to the resolved retryLimit, then dead-letters and calls @OnJobEvent listeners', async () => {
    recorder.failures.set('ada', 10);
    const id = await jobs.send(Greet, { name: 'ada' });
    const summary = await tester.drain(Greet);
    expect(summary).toEqual({ runs: 3, completed: 0, retried: 2, failed: 1, deadLettered: 1, pending: 0 });
    expect(recorder.greeted.map((g) => [g.attempt, g.retryLimit, g.id])).toEqual([
      [1, 2, id],
      [2, 2, id],
      [3, 2, id],
    ]);
    expect(tester.jobs(Greet)[0]).toMatchObject({ state: 'failed', output: { message: 'greeting ada failed' } });
    const [dead] = tester.deadLettered(Greet);
    expect(dead).toMatchObject({ name: 'greet.dead', data: { name: 'ada' }, sourceId: id });
    expect(await jobs.getQueueCounts(Greet)).toMatchObject({ failed: 1, dead: 1, queued: 0 });
    expect(await jobs.getDeadLetters(Greet)).toHaveLength(1);
    await new Promise<void>((resolve) => setImmediate(resolve)); // listeners run on the next microtask turn
    expect(recorder.events.map((e) => [e.type, e.jobId, e.attempt, e.deadLetter])).toEqual([['dead-lettered', id, 3, 'greet.dead']]);
  });

  it('a job that fails once completes on its retry within the same drain', async () => {
    recorder.failures.set('bob', 1);
    await jobs.send(Greet, { name: 'bob' });
    expect(await tester.drain()).toMatchObject({ runs: 2, completed: 1, retried: 1, failed: 0 });
    expect(tester.jobs(Greet)[0]).toMatchObject({ state: 'completed', retryCount: 1, output: { greeting: 'hello bob' } });
  });

  it("drains jobs sent by jobs when their queue is drained, and leaves other queues' jobs queued", async () => {
    await jobs.send(Fanout, { names: ['a', 'b'] });
    expect(await tester.drain(Fanout)).toMatchObject({ runs: 1, completed: 1 });
    expect(tester.enqueued(Greet).map((j) => j.data.name)).toEqual(['a', 'b']);
    expect(await tester.drain('all')).toMatchObject({ runs: 2, completed: 2 });
    expect(recorder.greeted.map((g) => g.name)).toEqual(['a', 'b']);
  });

  it('hands a batch handler up to batchSize jobs and settles its per-job results', async () => {
    await jobs.sendMany(Row, [1, 2, 3, 4, -5].map((n) => ({ data: { n } })));
    const summary = await tester.drain(Row);
    // -5 fails, is retried once alone, then fails for good (no dead-letter queue)
    expect(recorder.rows).toEqual([[1, 2, 3], [4, -5], [-5]]);
    expect(summary).toEqual({ runs: 3, completed: 4, retried: 1, failed: 1, deadLettered: 0, pending: 0 });
  });

  it('runs flow steps after their dependencies', async () => {
    const ids = await jobs.flow([
      flowStep('last', Greet, { name: 'last' }, { dependsOn: ['first', 'second'] }),
      flowStep('first', Greet, { name: 'first' }),
      flowStep('second', Greet, { name: 'second' }, { dependsOn: ['first'] }),
    ]);
    expect(tester.enqueued(Greet).find((j) => j.id === ids.last)?.dependsOn).toEqual([ids.first, ids.second]);
    await tester.drain(Greet);
    expect(recorder.greeted.map((g) => g.name)).toEqual(['first', 'second', 'last']);
  });

  it('leaves a flow step waiting when its dependency fails for good, and reports it as pending', async () => {
    recorder.failures.set('first', 10);
    await jobs.flow([flowStep('first', Greet, { name: 'first' }), flowStep('then', Greet, { name: 'then' }, { dependsOn: ['first'] })]);
    expect(await tester.drain(Greet)).toMatchObject({ failed: 1, deadLettered: 1, pending: 1 });
    tester.expectEnqueued(Greet, { name: 'then' });
  });

  it('deduplicates like pg-boss: an exclusive queue refuses a second job with the same key', async () => {
    const first = await jobs.send(Capture, { orderId: 'o1' }, { singletonKey: 'capture:o1' });
    expect(first).not.toBeNull();
    expect(await jobs.send(Capture, { orderId: 'o1' }, { singletonKey: 'capture:o1' })).toBeNull();
    expect(await jobs.send(Capture, { orderId: 'o2' }, { singletonKey: 'capture:o2' })).not.toBeNull();
    await tester.drain(Capture);
    expect(await jobs.send(Capture, { orderId: 'o1' }, { singletonKey: 'capture:o1' })).not.toBeNull();
  });

  it('throttles a second send in the same period', async () => {
    expect(await jobs.send(Greet, { name: 'a' }, { throttle: { seconds: 60, key: 'u1' } })).not.toBeNull();
    expect(await jobs.send(Greet, { name: 'a' }, { throttle: { seconds: 60, key: 'u1' } })).toBeNull();
  });

  it('stops a drain that never ends with a clear error', async () => {
    await jobs.send(Loop, { depth: 0 });
    await expect(tester.drain(Loop, { maxRuns: 20 })).rejects.toThrow(
      'drain() stopped after 20 handler runs and jobs are still queued (runs per queue: loop 20)',
    );
  });

  it('refuses a send to a queue that nothing in the app declares, as JobsModule does', async () => {
    await expect(jobs.send(Unhandled, { x: 1 })).rejects.toThrow(JobsConfigurationError);
    await expect(jobs.send(Unhandled, { x: 1 })).rejects.toThrow(
      'Queue "unhandled" does not exist. Declare a handler for it (@JobHandler), or list its definition in',
    );
    expect(tester.jobs(Unhandled)).toEqual([]);
  });

  it('refuses to drain a queue without a handler, naming the handlers it knows', async () => {
    // A queue the app sends to without handling it is declared in `queues`, as JobsModule needs.
    await moduleRef.close();
    moduleRef = await build('manual', { queues: [Unhandled] });
    tester = getJobsTester(moduleRef);
    jobs = moduleRef.get(JobsService);
    await jobs.send(Unhandled, { x: 1 });
    await expect(tester.drain(Unhandled)).rejects.toThrow(JobsTestingError);
    await expect(tester.drain(Unhandled)).rejects.toThrow('No handler for queue "unhandled" in this testing module. Handlers found: "greet"');
    expect(await tester.drain('all')).toMatchObject({ runs: 0 });
    tester.expectEnqueued(Unhandled, { x: 1 });
  });

  it('cancels, resumes and retries jobs in memory', async () => {
    const id = (await jobs.send(Greet, { name: 'c' }))!;
    await jobs.cancel(Greet, id);
    expect((await jobs.getJob(Greet, id))?.state).toBe('cancelled');
    expect(await tester.drain(Greet)).toMatchObject({ runs: 0 });
    await jobs.resume(Greet, id);
    recorder.failures.set('c', 10);
    await tester.drain(Greet);
    expect((await jobs.getJob(Greet, id))?.state).toBe('failed');
    recorder.failures.clear();
    await jobs.retry(Greet, id);
    await tester.drain(Greet);
    expect((await jobs.getJob(Greet, id))?.state).toBe('completed');
  });

  it('redrives dead letters back to their queue', async () => {
    recorder.failures.set('d', 3);
    await jobs.send(Greet, { name: 'd' });
    await tester.drain(Greet);
    expect(await jobs.redrive(Greet)).toBe(1);
    expect(await tester.drain(Greet)).toMatchObject({ completed: 1 });
    expect(tester.deadLettered(Greet)).toEqual([]);
  });

  it('records runtime schedules and checks the cron expression as pg-boss parses it', async () => {
    await jobs.schedule(Greet, '0 8 * * *', { name: 'daily' }, { tz: 'Europe/Paris', key: 'd' });
    expect(tester.scheduled(Greet)).toEqual([{ name: 'greet', key: 'd', cron: '0 8 * * *', data: { name: 'daily' }, tz: 'Europe/Paris' }]);
    await expect(jobs.schedule(Greet, 'not a cron', { name: 'x' })).rejects.toThrow();
    await jobs.unschedule(Greet, 'd');
    expect(tester.scheduled()).toEqual([]);
  });

  it('refuses in schedule() what JobsService.schedule() refuses: a sub-minute cron, an over-long expression', async () => {
    await expect(jobs.schedule(Greet, '*/30 * * * * *', { name: 'x' })).rejects.toThrow(JobValidationError);
    await expect(jobs.schedule(Greet, '*/30 * * * * *', { name: 'x' })).rejects.toThrow(/^Invalid schedule for job "greet": cron "\*\/30 \* \* \* \* \*" fires more than once a minute/);
    await expect(jobs.schedule(Greet, `FREQ=DAILY;EXDATE=${'x'.repeat(5000)}`, { name: 'x' })).rejects.toThrow(/is over the 4096-character limit/);
    expect(tester.scheduled()).toEqual([]);
  });

  it('refuses in schedule() the keys JobsService.schedule() reserves for @Recurring, with its error', async () => {
    for (const key of ['nest-pg-jobs.recurring', 'nest-pg-jobs.recurring/nightly']) {
      await expect(jobs.schedule(Greet, '0 3 * * *', { name: 'x' }, { key })).rejects.toThrow(JobValidationError);
      await expect(jobs.schedule(Greet, '0 3 * * *', { name: 'x' }, { key })).rejects.toThrow(
        new RegExp(`^Invalid schedule for job "greet": key "${key.replace('.', '\\.')}" is reserved for @Recurring schedules`),
      );
    }
    expect(tester.scheduled()).toEqual([]);
  });

  it('clear() forgets jobs and schedules', async () => {
    await jobs.send(Greet, { name: 'a' });
    tester.clear();
    expect(tester.enqueued(Greet)).toEqual([]);
  });

  it('throws a named error for what needs a database', async () => {
    expect(() => jobs.boss).toThrow(JobsTestingError);
    await expect(jobs.getQueue(Greet)).rejects.toThrow('JobsService.getQueue needs a database');
  });
});

describe('JobsTestingModule, inline mode', () => {
  let moduleRef: TestingModule;
  afterEach(() => moduleRef.close());

  it('runs the handler before send resolves, and jobs sent by it too', async () => {
    moduleRef = await build('inline');
    const jobs = moduleRef.get(JobsService);
    const recorder = moduleRef.get(Recorder);
    const id = await jobs.send(Fanout, { names: ['x', 'y'] });
    expect(recorder.greeted.map((g) => [g.name, g.attempt])).toEqual([
      ['x', 1],
      ['y', 1],
    ]);
    expect((await jobs.getJob(Fanout, id!))?.state).toBe('completed');
    expect(getJobsTester(moduleRef).enqueued(Greet)).toEqual([]);
  });

  it('rejects send with the error the handler threw, after one attempt, leaving the job to retry', async () => {
    moduleRef = await build('inline');
    const jobs = moduleRef.get(JobsService);
    const recorder = moduleRef.get(Recorder);
    recorder.failures.set('z', 1);
    await expect(jobs.send(Greet, { name: 'z' })).rejects.toThrow('greeting z failed');
    expect(recorder.greeted).toHaveLength(1);
    const tester = getJobsTester(moduleRef);
    expect(tester.enqueued(Greet)[0]).toMatchObject({ state: 'retry', retryCount: 1 });
    expect(await tester.drain(Greet)).toMatchObject({ completed: 1 });
  });

  it('runs a batch handler with the jobs of one sendMany', async () => {
    moduleRef = await build('inline');
    const recorder = moduleRef.get(Recorder);
    await moduleRef.get(JobsService).sendMany(Row, [1, 2, 3, 4].map((n) => ({ data: { n } })));
    expect(recorder.rows).toEqual([[1, 2, 3], [4]]);
  });

  it('stops a handler that sends itself forever', async () => {
    moduleRef = await build('inline');
    await expect(moduleRef.get(JobsService).send(Loop, { depth: 0 })).rejects.toThrow(
      'Inline mode ran jobs 50 levels deep when "loop" was sent',
    );
  });
});

describe('JobsTestingModule options', () => {
  it('applies module defaults and overrides through the real option resolution', async () => {
    const moduleRef = await build('manual', { queueDefaults: { retryLimit: 7 }, handlers: { resize: { retryLimit: 1 } } });
    const tester = getJobsTester(moduleRef);
    await moduleRef.get(JobsService).send(Fanout, { names: [] });
    await moduleRef.get(JobsService).send(Resize, { imageId: 'a', width: 1 });
    expect(tester.enqueued(Fanout)[0]?.retryLimit).toBe(7);
    expect(tester.enqueued(Resize)[0]?.retryLimit).toBe(1);
    await moduleRef.close();
  });

  it('fails init on an invalid handler option, as bootstrap does', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ logger: false, handlers: { greet: { concurrency: 0 } } }), TestFeatureModule],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      'Invalid options for TestWorker.greet (queue "greet"), JobsModule handlers["greet"]: concurrency must be an integer >= 1, got 0.',
    );
  });
});
