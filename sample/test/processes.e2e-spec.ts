// The sample as two processes (docs/deployment.md): the HTTP app enqueue-only (SAMPLE_WORKERS=false,
// that is workers: false) and the worker (sample/worker.ts's WorkerModule), on one database.
import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { JOBS_MODULE_OPTIONS, JobsService, type JobsModuleOptions } from 'nest-pg-jobs';
import { waitForJob } from 'nest-pg-jobs/testing';
import { AppModule } from '../app.module.js';
import { ImagesController } from '../images/images.controller.js';
import { Thumbnail } from '../images/images.jobs.js';
import { jobsModule } from '../jobs.config.js';
import { WorkerModule } from '../worker.module.js';

const schema = `sample_proc_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const options = (workers: boolean): JobsModuleOptions => ({
  connectionString: process.env.DATABASE_URL!,
  schema,
  logger: false,
  shutdownTimeoutMs: 2_000,
  workers,
});

describe('the sample as an HTTP process and a worker process', () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('the enqueue-only HTTP app sends, the worker process runs the job', async () => {
    const api: TestingModule = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(JOBS_MODULE_OPTIONS)
      .useValue(options(false))
      .compile();
    await api.init();
    const worker: TestingModule = await Test.createTestingModule({ imports: [WorkerModule] })
      .overrideProvider(JOBS_MODULE_OPTIONS)
      .useValue(options(true))
      .compile();
    await worker.init();
    try {
      // The HTTP app runs no worker: nothing of its own would ever complete this job.
      expect(api.get(JobsService).boss.getWipData()).toEqual([]);
      const { jobId } = await api.get(ImagesController).create({ imageId: 'dog.jpg', size: 16 });
      const job = await waitForJob(api, Thumbnail, jobId!, 'completed', { timeoutMs: 15_000 });
      expect(job.output).toMatchObject({ imageId: 'dog.jpg', size: 16 });
      expect(worker.get(JobsService).boss.getWipData().some((loop) => loop.name === 'thumbnail')).toBe(true);
    } finally {
      await Promise.all([api.close(), worker.close()]);
    }
  });
});

describe('SAMPLE_WORKERS', () => {
  const saved = { url: process.env.DATABASE_URL, workers: process.env.SAMPLE_WORKERS };
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    process.env.SAMPLE_WORKERS = saved.workers;
    if (saved.workers === undefined) delete process.env.SAMPLE_WORKERS;
  });

  it.each([
    ['false', false],
    [undefined, true],
  ])('SAMPLE_WORKERS=%s gives JobsModule workers: %s', async (value, workers) => {
    if (value === undefined) delete process.env.SAMPLE_WORKERS;
    else process.env.SAMPLE_WORKERS = value;
    // The options the factory resolves: compiled, never initialised, so nothing connects.
    app = await Test.createTestingModule({ imports: [jobsModule()] }).compile();
    expect(app.get<JobsModuleOptions>(JOBS_MODULE_OPTIONS, { strict: false })).toMatchObject({ workers });
  });
});
