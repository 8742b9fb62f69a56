// job.updateProgress in the testing kit: stored on the recorded job, read back with getJob, emitted
// as a `progress` event; invalid values refused with the module's error.
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, JobValidationError, type Job, type JobEvent } from '../../../lib/index.js';
import { getJobsTester, JobsTestingModule, type JobsTester } from '../../../lib/testing/index.js';

const Export = defineJob<{ rows: number }>('kit-progress.export');

@Injectable()
class ExportJobs {
  @JobHandler(Export)
  async export(job: Job<{ rows: number }>) {
    await job.updateProgress(0);
    await job.updateProgress({ done: job.data.rows, total: job.data.rows });
    if (job.data.rows < 0) await job.updateProgress(Number.NaN);
    return { exported: job.data.rows };
  }
}

describe('job progress in the testing kit', () => {
  let moduleRef: TestingModule;
  let jobs: JobsService;
  let tester: JobsTester;
  const events: JobEvent[] = [];

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false })],
      providers: [ExportJobs],
    }).compile();
    await moduleRef.init();
    jobs = moduleRef.get(JobsService);
    tester = getJobsTester(moduleRef);
    jobs.events$.subscribe((event) => events.push(event));
  });
  afterEach(() => moduleRef.close());

  it('stores the last value on the drained job, readable with getJob, and emits progress events', async () => {
    const id = (await jobs.send(Export, { rows: 3 }))!;
    expect((await jobs.getJob(Export, id))?.progress).toBeNull();
    await tester.drain(Export);
    expect(await jobs.getJob(Export, id)).toMatchObject({ state: 'completed', progress: { done: 3, total: 3 } });
    expect(tester.jobs(Export)[0]?.progress).toEqual({ done: 3, total: 3 });
    // The kit stores every report at once: no throttle to wait for in unit tests.
    const progress = events.filter((event) => event.type === 'progress' && event.jobId === id);
    expect(progress.map((event) => event.progress)).toEqual([0, { done: 3, total: 3 }]);
  });

  it('lets performJob report progress, and refuses an invalid value as the module does', async () => {
    await expect(tester.performJob(Export, { rows: 2 })).resolves.toEqual({ exported: 2 });
    const error = await tester.performJob(Export, { rows: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as Error).message).toMatch(/^Invalid progress for job "kit-progress\.export": got NaN/);
  });
});
