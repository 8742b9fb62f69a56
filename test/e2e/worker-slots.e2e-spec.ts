import { Injectable } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, type Job } from '../../lib/index.js';
import { createApp, gate, schemasDroppedAfterAll, sql, waitFor } from '../support/e2e.js';

const Slow = defineJob<{ n: number }>('slow', { retryLimit: 0 });
const Mixed = defineJob<{ n: number; slow?: boolean }>('mixed', { retryLimit: 0 });

@Injectable()
class SlowJobs {
  readonly release = gate();
  readonly started: number[] = [];

  @JobHandler(Slow, { concurrency: 2 })
  async run(job: Job<{ n: number }>) {
    this.started.push(job.data.n);
    await this.release.promise;
  }
}

@Injectable()
class MixedJobs {
  release = gate();
  readonly started: number[] = [];
  running = 0;
  maxRunning = 0;

  @JobHandler(Mixed)
  async run(job: Job<{ n: number; slow?: boolean }>) {
    this.maxRunning = Math.max(this.maxRunning, ++this.running);
    this.started.push(job.data.n);
    if (job.data.slow) {
      await this.release.promise;
      await new Promise((resolve) => setTimeout(resolve, 50)); // the slow job's own work: longer than 20 ms
    }
    this.running--;
  }
}

const activeCount = async (schema: string, queue: string) =>
  (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".job WHERE name = $1 AND state = 'active'`, [queue]))[0]!.n;

const batchSizes = (jobs: JobsService, queue: string) =>
  jobs.boss.getWipData().filter((w) => w.name === queue).map((w) => (w.options as { batchSize: number }).batchSize);

describe('worker slots', () => {
  const schema = schemasDroppedAfterAll();

  it('holds no more jobs than its concurrency while its handler is slow', async () => {
    const s = schema('slow');
    const app = await createApp(s, { providers: [SlowJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(SlowJobs);
    await jobs.sendMany(Slow, Array.from({ length: 20 }, (_, n) => ({ data: { n } })));
    await waitFor(() => handler.started.length === 2, { message: 'two jobs started' });
    // A NOTIFY wakes every loop of the queue: a loop with a free slot would fetch now; both are busy.
    await jobs.send(Slow, { n: 99 });
    expect(batchSizes(jobs, 'slow')).toEqual([1, 1]);
    expect(await activeCount(s, 'slow')).toBe(2);
    handler.release.open();
    await waitFor(() => handler.started.length === 21, { message: 'all jobs ran' });
    await app.close();
  });

  it('fetches several quick jobs at once, runs them one at a time, and goes back to one after a slow job', async () => {
    const s = schema('adapt');
    const app = await createApp(s, { providers: [MixedJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(MixedJobs);
    await jobs.sendMany(Mixed, Array.from({ length: 300 }, (_, n) => ({ data: { n } })));
    await waitFor(() => handler.started.length === 300, { message: '300 quick jobs' });
    expect(handler.maxRunning).toBe(1);
    await waitFor(() => batchSizes(jobs, 'mixed')[0]! > 1, { message: 'a batch size above 1' });

    // A slow job: jobs sent while it runs wait for it (a batch the slot fetched before may hold them,
    // but nothing runs beside it), then the slot is back to one loop fetching one job at a time.
    await jobs.send(Mixed, { n: 1000, slow: true });
    await waitFor(() => handler.started.includes(1000), { message: 'the slow job started' });
    await jobs.sendMany(Mixed, Array.from({ length: 5 }, (_, n) => ({ data: { n: 2000 + n } })));
    await waitFor(async () => (await sql(`SELECT 1 FROM "${s}".job WHERE name = 'mixed' AND state IN ('created', 'active') AND (data->>'n')::int >= 2000`)).length === 5, { message: 'the five jobs stored' });
    expect(handler.started.slice(300)).toEqual([1000]);
    handler.release.open();
    await waitFor(() => handler.started.length === 306, { message: 'the jobs sent after it' });
    await waitFor(async () => (await activeCount(s, 'mixed')) === 0, { message: 'all settled' });
    expect(handler.maxRunning).toBe(1);
    await app.close();
  });

  it('runs a second loop while its batches are quick, and still one job at a time', async () => {
    const s = schema('pair');
    const app = await createApp(s, { providers: [MixedJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(MixedJobs);
    await jobs.sendMany(Mixed, Array.from({ length: 3000 }, (_, n) => ({ data: { n } })));
    // Two loops of the one slot, both fetching batches of the same (adapted) size.
    await waitFor(() => batchSizes(jobs, 'mixed').length === 2, { message: 'a second loop' });
    const [a, b] = batchSizes(jobs, 'mixed');
    expect(a).toBeGreaterThan(1);
    expect(b).toBe(a);
    await waitFor(() => handler.started.length === 3000, { message: '3000 quick jobs' });
    expect(handler.maxRunning).toBe(1);
    expect(new Set(handler.started).size).toBe(3000);
    await app.close();
  });

  it('comes back to batch size 1 after a slow batch', async () => {
    const s = schema('shrink');
    const app = await createApp(s, { providers: [MixedJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(MixedJobs);
    await jobs.sendMany(Mixed, Array.from({ length: 300 }, (_, n) => ({ data: { n } })));
    await waitFor(() => batchSizes(jobs, 'mixed')[0]! > 1, { message: 'a batch size above 1' });
    await waitFor(() => handler.started.length === 300, { message: '300 quick jobs' });
    handler.release = gate();
    await jobs.send(Mixed, { n: 1000, slow: true });
    await waitFor(() => handler.started.includes(1000), { message: 'the slow job started' });
    handler.release.open();
    await waitFor(() => batchSizes(jobs, 'mixed')[0] === 1, { message: 'batch size 1 again' });
    expect(batchSizes(jobs, 'mixed')).toEqual([1]); // one loop again: nothing is fetched to wait behind a slow job
    await app.close();
  });

  it('skips a job cancelled while it waited, fetched, behind a slow job', async () => {
    const s = schema('cancel');
    const app = await createApp(s, { providers: [MixedJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(MixedJobs);
    // Quick jobs until the slot fetches at least six at once (300 are enough on a quiet machine; a
    // loaded one may need more before the handler's time per job earns the larger size).
    let quick = 0;
    while (batchSizes(jobs, 'mixed')[0]! < 6) {
      if (quick >= 3000) throw new Error(`batch size still ${batchSizes(jobs, 'mixed')[0]} after ${quick} quick jobs`);
      await jobs.sendMany(Mixed, Array.from({ length: 300 }, (_, n) => ({ data: { n: quick + n } })));
      quick += 300;
      await waitFor(() => handler.started.length === quick, { message: `${quick} quick jobs` });
      await waitFor(async () => (await activeCount(s, 'mixed')) === 0, { message: 'the quick jobs settled' });
    }
    handler.release = gate();
    // One insert, so one fetch takes all six; the slow job ranks first and the five wait, fetched,
    // behind it.
    const [, ...ids] = await jobs.sendMany(Mixed, [
      { data: { n: 1000, slow: true }, options: { priority: 1 } },
      ...Array.from({ length: 5 }, (_, n) => ({ data: { n: 2000 + n } })),
    ]);
    await waitFor(() => handler.started.includes(1000), { message: 'the slow job started' });
    await waitFor(async () => (await activeCount(s, 'mixed')) === 6, { message: 'the five fetched behind the slow job' });
    expect(handler.started.slice(quick)).toEqual([1000]);
    await jobs.cancel(Mixed, ids[2]!);
    handler.release.open();
    await waitFor(async () => (await activeCount(s, 'mixed')) === 0, { message: 'the batch settled' });
    const after = handler.started.slice(quick);
    expect(after[0]).toBe(1000);
    expect([...after.slice(1)].sort()).toEqual([2000, 2001, 2003, 2004]);
    expect((await jobs.getJob(Mixed, ids[2]!))?.state).toBe('cancelled');
    expect((await jobs.getJob(Mixed, ids[4]!))?.state).toBe('completed');
    await app.close();
  });
});
