import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from '@jest/globals';
import { JobContext, JobsModule, JobsService, JobValidationError, PG_BOSS } from '../../../lib/index.js';
import {
  getJobsTester,
  JobsTestingError,
  JobsTestingModule,
  overrideJobsModule,
  TestingJobsService,
} from '../../../lib/testing/index.js';
import { Greet, Recorder, Resize, Row, TestFeatureModule } from './fixtures.js';

const compile = async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [JobsTestingModule.forRoot({ logger: false }), TestFeatureModule],
  }).compile();
  await moduleRef.init();
  return moduleRef;
};

describe('JobsTester.performJob', () => {
  it('runs the handler with a realistic job and resolves with what it returned', async () => {
    const moduleRef = await compile();
    const tester = getJobsTester(moduleRef);
    const output = await tester.performJob(Greet, { name: 'ada' });
    expect(output).toEqual({ greeting: 'hello ada' });
    const [seen] = moduleRef.get(Recorder).greeted;
    expect(seen).toMatchObject({ name: 'ada', attempt: 1, retryLimit: 2 });
    expect(seen!.id).toMatch(/^[0-9a-f-]{36}$/);
    // performJob queues nothing
    expect(tester.jobs(Greet)).toEqual([]);
    await moduleRef.close();
  });

  it('returns a primitive result as the handler returned it, after the schema transformed the payload', async () => {
    const moduleRef = await compile();
    await expect(getJobsTester(moduleRef).performJob(Resize, { imageId: 'a', width: '21' as unknown as number })).resolves.toBe(42);
    await moduleRef.close();
  });

  it('rejects with the error the handler threw, and honours id, attempt and signal overrides', async () => {
    const moduleRef = await compile();
    const recorder = moduleRef.get(Recorder);
    recorder.failures.set('bob', 1);
    const signal = new AbortController().signal;
    const failing = getJobsTester(moduleRef).performJob(Greet, { name: 'bob' }, {
      id: '00000000-0000-4000-8000-000000000001',
      attempt: 3,
      signal,
    });
    await expect(failing).rejects.toThrow('greeting bob failed');
    expect(recorder.greeted[0]).toMatchObject({ attempt: 3, id: '00000000-0000-4000-8000-000000000001' });
    // the last attempt (3 of retryLimit 2 + 1) fires the dead-lettered listener, as in production
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(recorder.events.map((e) => e.type)).toEqual(['dead-lettered']);
    await moduleRef.close();
  });

  it('rejects an invalid payload with JobValidationError without calling the handler', async () => {
    const moduleRef = await compile();
    await expect(getJobsTester(moduleRef).performJob('resize', { imageId: '' })).rejects.toThrow(JobValidationError);
    expect(moduleRef.get(Recorder).resized).toEqual([]);
    await moduleRef.close();
  });

  it('runs a batch handler with performBatch and returns its per-job results', async () => {
    const moduleRef = await compile();
    const results = await getJobsTester(moduleRef).performBatch(Row, [{ n: 1 }, { n: -1 }]);
    expect(results.map((r: { status: string }) => r.status)).toEqual(['completed', 'failed']);
    await expect(getJobsTester(moduleRef).performBatch(Greet, [{ name: 'x' }])).rejects.toThrow('is not a batch handler');
    await moduleRef.close();
  });

  it('runs a @Recurring handler by its queue name', async () => {
    const moduleRef = await compile();
    await expect(getJobsTester(moduleRef).performJob('nightly', { full: false })).resolves.toEqual({ full: false });
    await moduleRef.close();
  });
});

// The way most apps are built: AppModule imports JobsModule.forRootAsync with a factory that needs
// configuration the unit tests do not have.
@Module({
  imports: [
    JobsModule.forRootAsync({
      useFactory: () => {
        const connectionString = process.env.NEST_PG_JOBS_TESTING_NEVER_SET;
        if (!connectionString) throw new Error('DATABASE_URL is not set');
        return { connectionString };
      },
    }),
    TestFeatureModule,
  ],
})
class AppModule {}

@Module({
  imports: [
    JobsModule.forRoot({ connectionString: 'postgres://nobody@127.0.0.1:1/none', queueDefaults: { retryLimit: 4 }, logger: false }),
    TestFeatureModule,
  ],
})
class AppWithOptionsModule {}

describe('overrideJobsModule', () => {
  it("swaps the app's JobsModule.forRootAsync for the testing implementation in one call", async () => {
    const moduleRef = await overrideJobsModule(Test.createTestingModule({ imports: [AppModule] }), {
      mode: 'manual',
      moduleOptions: { logger: false },
    }).compile();
    await moduleRef.init();
    const jobs = moduleRef.get(JobsService);
    expect(jobs).toBeInstanceOf(TestingJobsService);
    await jobs.send(Greet, { name: 'ada' });
    const tester = getJobsTester(moduleRef);
    tester.expectEnqueued(Greet, { name: 'ada' });
    expect(await tester.drain()).toMatchObject({ completed: 1 });
    expect(() => moduleRef.get(PG_BOSS).send).toThrow(JobsTestingError);
    await moduleRef.close();
  });

  it("keeps the app's own module options unless told otherwise, without connecting", async () => {
    const moduleRef = await overrideJobsModule(Test.createTestingModule({ imports: [AppWithOptionsModule] }), {
      mode: 'inline',
    }).compile();
    await moduleRef.init();
    const tester = getJobsTester(moduleRef);
    expect(tester.mode).toBe('inline');
    await moduleRef.get(JobsService).send('fanout', { names: [] });
    expect(tester.jobs('fanout')[0]).toMatchObject({ state: 'completed', retryLimit: 4 });
    await moduleRef.close();
  });

  it('keeps the rest of JobsModule real: JobContext stays injectable', async () => {
    const moduleRef = await overrideJobsModule(Test.createTestingModule({ imports: [AppWithOptionsModule] })).compile();
    await moduleRef.init();
    expect(moduleRef.get(JobContext)).toBeInstanceOf(JobContext);
    await moduleRef.close();
  });
});

describe('getJobsTester', () => {
  it('says how to build a testing module when JobsService is the real one', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobsModule.forRoot({ connectionString: 'postgres://nobody@127.0.0.1:1/none', logger: false })],
    }).compile();
    expect(() => getJobsTester(moduleRef)).toThrow(JobsTestingError);
    expect(() => getJobsTester(moduleRef)).toThrow('JobsService here is the real one');
  });
});
