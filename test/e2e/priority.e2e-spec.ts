import { Injectable } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, type Job } from '../../lib/index.js';
import { ADAPTIVE_BATCH_MAX } from '../../lib/worker/worker.slot.js';
import { createApp, schemasDroppedAfterAll, waitFor } from '../support/e2e.js';

const Ranked = defineJob<{ n: number }>('ranked', { retryLimit: 0 });

interface Start {
  n: number;
  priority: number;
  createdOn: number;
}

@Injectable()
class RankedJobs {
  readonly started: Start[] = [];
  @JobHandler(Ranked, { concurrency: 1 })
  async run(job: Job<{ n: number }>) {
    this.started.push({ n: job.data.n, priority: job.priority, createdOn: job.createdOn.getTime() });
  }
}

@Injectable()
class StrictRankedJobs {
  readonly started: Start[] = [];
  @JobHandler(Ranked, { concurrency: 1, adaptiveBatching: false })
  async run(job: Job<{ n: number }>) {
    this.started.push({ n: job.data.n, priority: job.priority, createdOn: job.createdOn.getTime() });
  }
}

/** Starts that came before a job that ranks above them: higher priority, or as high and older. */
function outOfOrder(started: Start[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < started.length; i++) {
    const [a, b] = [started[i - 1]!, started[i]!];
    if (b.priority > a.priority || (b.priority === a.priority && b.createdOn < a.createdOn)) {
      problems.push(`#${i - 1} (priority ${a.priority}, n ${a.n}) started before #${i} (priority ${b.priority}, n ${b.n})`);
    }
  }
  return problems;
}

/** 200 priority-0 jobs, then 20 priority-10 jobs, in several inserts so that age orders them too. */
async function queueBacklog(jobs: JobsService): Promise<void> {
  for (let chunk = 0; chunk < 10; chunk++) {
    await jobs.sendMany(Ranked, Array.from({ length: 20 }, (_, i) => ({ data: { n: chunk * 20 + i } })));
  }
  for (let chunk = 0; chunk < 4; chunk++) {
    await jobs.sendMany(Ranked, Array.from({ length: 5 }, (_, i) => ({ data: { n: 1000 + chunk * 5 + i }, options: { priority: 10 } })));
  }
}

describe('priority order', () => {
  const schema = schemasDroppedAfterAll();

  it('runs a queued backlog higher priority first, then oldest first, with no start out of order', async () => {
    const s = schema('backlog');
    const producer = await createApp(s, { jobs: { workers: false, queues: [Ranked] } });
    const jobs = producer.get(JobsService);
    const problems: string[] = [];
    for (let round = 0; round < 20; round++) {
      await queueBacklog(jobs);
      // The worker starts with the whole backlog queued: its slot grows its batch size from 1 and
      // fetches the next batch while one runs, while the high-priority jobs are still at the head of
      // the queue.
      const worker = await createApp(s, { providers: [RankedJobs] });
      const handler = worker.get(RankedJobs);
      await waitFor(() => handler.started.length === 220, { message: `round ${round}: 220 jobs` });
      await worker.close();
      problems.push(...outOfOrder(handler.started).map((p) => `round ${round}: ${p}`));
    }
    expect(problems).toEqual([]);
    await producer.close();
  });

  it('starts a high-priority job sent into a backlog behind at most what the slot had claimed', async () => {
    const s = schema('late_high');
    const producer = await createApp(s, { jobs: { workers: false, queues: [Ranked] } });
    const jobs = producer.get(JobsService);
    await jobs.sendMany(Ranked, Array.from({ length: 3000 }, (_, n) => ({ data: { n } })));
    const worker = await createApp(s, { providers: [RankedJobs] });
    const handler = worker.get(RankedJobs);
    await waitFor(() => handler.started.length >= 500, { message: '500 low-priority jobs' });
    await jobs.send(Ranked, { n: 9999 }, { priority: 10 });
    const sentAt = handler.started.length;
    await waitFor(() => handler.started.some((job) => job.n === 9999), { message: 'the high-priority job' });
    const lowAfterSend = handler.started.findIndex((job) => job.n === 9999) - sentAt;
    // One batch running and one fetched (the slot holds two batches at most), each at most ADAPTIVE_BATCH_MAX.
    expect(lowAfterSend).toBeLessThanOrEqual(2 * ADAPTIVE_BATCH_MAX);
    await worker.close();
    await producer.close();
  });

  it('with adaptiveBatching: false, starts a high-priority job sent into a backlog next', async () => {
    const s = schema('strict');
    const producer = await createApp(s, { jobs: { workers: false, queues: [Ranked] } });
    const jobs = producer.get(JobsService);
    await jobs.sendMany(Ranked, Array.from({ length: 400 }, (_, n) => ({ data: { n } })));
    const worker = await createApp(s, { providers: [StrictRankedJobs] });
    const handler = worker.get(StrictRankedJobs);
    await waitFor(() => handler.started.length >= 50, { message: '50 low-priority jobs' });
    await jobs.send(Ranked, { n: 9999 }, { priority: 10 });
    const sentAt = handler.started.length;
    await waitFor(() => handler.started.some((job) => job.n === 9999), { message: 'the high-priority job' });
    // The slot holds one job at a time: only a fetch already under way when the send committed can
    // start one more low-priority job first.
    expect(handler.started.findIndex((job) => job.n === 9999) - sentAt).toBeLessThanOrEqual(1);
    expect(outOfOrder(handler.started.slice(0, 50))).toEqual([]);
    await worker.close();
    await producer.close();
  });
});
