// job.updateProgress (issue 13): stored with the job, throttled, readable through getJob while the
// job runs and after it finished, emitted as `progress` events; invalid values are refused.
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  defineJob,
  JobHandler,
  JobsService,
  JobValidationError,
  type Job,
  type JobEvent,
} from '../../lib/index.js';
import { JOBS_BACKEND, type JobsBackend } from '../../lib/backend/jobs-backend.js';
import { createApp, dropSchema, gate, sql, uniqueSchema, waitFor } from '../support/e2e.js';

const Import = defineJob<{ rows: number }>('progress.import');
const Careless = defineJob<{ value: string }>('progress.careless', { retryLimit: 0 });

@Injectable()
class ImportJobs {
  readonly halfway = gate();
  readonly finish = gate();
  readonly refusals: unknown[] = [];

  // README example ("Progress"): report as often as you like; one value a second is stored.
  @JobHandler(Import)
  async import(job: Job<{ rows: number }>) {
    for (let done = 1; done <= job.data.rows / 2; done++) void job.updateProgress(done);
    await job.updateProgress({ done: job.data.rows / 2, total: job.data.rows });
    this.halfway.open();
    await this.finish.promise;
    void job.updateProgress({ done: job.data.rows, total: job.data.rows });
    return { imported: job.data.rows };
  }

  @JobHandler(Careless)
  async careless(job: Job<{ value: string }>) {
    for (const value of [Number.NaN, Infinity, [1, 2], 'half', { big: 'x'.repeat(5000) }, { n: 10n }]) {
      await job.updateProgress(value as never).catch((error: unknown) => this.refusals.push(error));
    }
  }
}

describe('job progress', () => {
  const schema = uniqueSchema('progress');
  let app: INestApplicationContext;
  let jobs: JobsService;
  let handlers: ImportJobs;
  const events: JobEvent[] = [];

  beforeAll(async () => {
    app = await createApp(schema, { providers: [ImportJobs] });
    jobs = app.get(JobsService);
    handlers = app.get(ImportJobs);
    jobs.events$.subscribe((event) => events.push(event));
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('stores the first value at once and the latest of the next second, readable while the job runs', async () => {
    const id = (await jobs.send(Import, { rows: 100 }))!;
    await handlers.halfway.promise;
    // 50 numbers in a tight loop, then the object: the first is written at once, the other 50 replace
    // each other while it is written, and the last of them is written a second later.
    const stored = events.filter((event) => event.type === 'progress' && event.jobId === id).map((event) => event.progress);
    expect(stored).toEqual([1, { done: 50, total: 100 }]);
    const running = await jobs.getJob(Import, id);
    expect(running).toMatchObject({ state: 'active', progress: { done: 50, total: 100 } });
    expect(await sql(`SELECT count(*)::int AS n FROM "${schema}".nest_pg_jobs_progress`)).toEqual([{ n: 1 }]);
    handlers.finish.open();
    // The value reported just before the handler returned is stored before the completion.
    const done = await waitFor(async () => {
      const job = await jobs.getJob(Import, id);
      return job?.state === 'completed' ? job : undefined;
    });
    expect(done.progress).toEqual({ done: 100, total: 100 });
    expect(done.output).toEqual({ imported: 100 });
    const progressEvents = events.filter((event) => event.type === 'progress' && event.jobId === id);
    const completed = events.findIndex((event) => event.type === 'completed' && event.jobId === id);
    expect(progressEvents).toHaveLength(3);
    expect(events.indexOf(progressEvents[2]!)).toBeLessThan(completed);
  });

  it('returns null progress for a job that never reported, in getJob and findJobs', async () => {
    const id = (await jobs.send(Careless, { value: 'quiet' }, { startAfter: 3600 }))!;
    expect((await jobs.getJob(Careless, id))?.progress).toBeNull();
    expect((await jobs.findJobs(Careless, { id })).map((job) => job.progress)).toEqual([null]);
  });

  it('refuses what is not a finite number or a small JSON object, storing nothing, without failing the job', async () => {
    const id = (await jobs.send(Careless, { value: 'x' }))!;
    const done = await waitFor(async () => {
      const job = await jobs.getJob(Careless, id);
      return job?.state === 'completed' ? job : undefined;
    });
    expect(done.progress).toBeNull();
    expect(handlers.refusals).toHaveLength(6);
    for (const error of handlers.refusals) expect(error).toBeInstanceOf(JobValidationError);
    expect((handlers.refusals as Error[]).map((error) => error.message)).toEqual([
      expect.stringMatching(/^Invalid progress for job "progress\.careless": got NaN, a number that JSON cannot store\. Progress is a number/),
      expect.stringMatching(/got Infinity/),
      expect.stringMatching(/got an array; pass a number or an object/),
      expect.stringMatching(/got string; pass a number or an object/),
      expect.stringMatching(/over the 4096-byte limit/),
      expect.stringMatching(/payload\.n is a BigInt/),
    ]);
  });

  it('forgets the progress of jobs pg-boss deleted', async () => {
    const [before] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".nest_pg_jobs_progress`);
    expect(before!.n).toBeGreaterThan(0);
    await sql(`DELETE FROM "${schema}".job WHERE name = $1`, [Import.name]);
    const backend = app.get<JobsBackend>(JOBS_BACKEND);
    expect(await backend.pruneProgress()).toBe(before!.n);
    expect(await sql(`SELECT count(*)::int AS n FROM "${schema}".nest_pg_jobs_progress`)).toEqual([{ n: 0 }]);
  });
});
