// Issue 13 in the testing kit: findJobs by state and typed results, on the in-memory backend
// (test/e2e/find-jobs-by-state.e2e-spec.ts runs the same on PostgreSQL, the parity spec compares the
// refusals).
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  defineJob,
  JobHandler,
  JobsService,
  JobValidationError,
  OnJobEvent,
  type BatchJobResult,
  type Job,
  type JobEvent,
} from '../../../lib/index.js';
import { getJobsTester, JobsTestingModule, type JobsTester } from '../../../lib/testing/index.js';

const Invoice = defineJob<{ orderId: string; fail?: boolean }, { total: number }>('kit-invoice', { retryLimit: 0 });
const Lines = defineJob<{ n: number }, string[]>('kit-lines');
const Rows = defineJob<{ row: number }, { imported: number }>('kit-rows', { retryLimit: 0 });

@Injectable()
class Handlers {
  readonly events: JobEvent<{ value: string[] }>[] = [];

  @JobHandler(Invoice)
  async invoice(job: Job<{ orderId: string; fail?: boolean }>) {
    if (job.data.fail) throw new Error(`no price for ${job.data.orderId}`);
    return { total: job.data.orderId.length };
  }

  @JobHandler(Lines)
  async lines(job: Job<{ n: number }>) {
    return Array.from({ length: job.data.n }, (_, i) => `line ${i + 1}`);
  }

  @JobHandler(Rows, { batchSize: 5 })
  async rows(jobs: Job<{ row: number }>[]): Promise<BatchJobResult<{ imported: number }>[]> {
    return jobs.map((job) =>
      job.data.row < 0
        ? { id: job.id, status: 'failed', output: { reason: 'negative' } }
        : { id: job.id, status: 'completed', output: { imported: job.data.row } },
    );
  }

  @OnJobEvent('completed', Lines)
  onLines(event: JobEvent<{ value: string[] }>) {
    this.events.push(event);
  }
}

const idsOf = (jobs: ReadonlyArray<{ id: string }>) => jobs.map((job) => job.id);

describe('the testing kit: findJobs by state, typed results', () => {
  let moduleRef: TestingModule;
  let jobs: JobsService;
  let tester: JobsTester;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false })],
      providers: [Handlers],
    }).compile();
    await moduleRef.init();
    jobs = moduleRef.get(JobsService);
    tester = getJobsTester(moduleRef);
  });
  afterEach(() => moduleRef.close());

  it('finds exactly the jobs in the states asked for, in the order they were sent', async () => {
    const done = (await jobs.send(Invoice, { orderId: 'o-1' }))!;
    const failed = (await jobs.send(Invoice, { orderId: 'o-2', fail: true }))!;
    await tester.drain(Invoice);
    const waiting = (await jobs.send(Invoice, { orderId: 'o-3' }))!;
    const cancelled = (await jobs.send(Invoice, { orderId: 'o-4' }))!;
    await jobs.cancel(Invoice, cancelled);

    expect(idsOf(await jobs.findJobs(Invoice, { state: 'completed' }))).toEqual([done]);
    expect(idsOf(await jobs.findJobs(Invoice, { state: 'failed' }))).toEqual([failed]);
    expect(idsOf(await jobs.findJobs(Invoice, { state: 'created' }))).toEqual([waiting]);
    expect(idsOf(await jobs.findJobs(Invoice, { state: ['cancelled', 'failed'] }))).toEqual([failed, cancelled]);
    expect(await jobs.findJobs(Invoice, { state: 'active' })).toEqual([]);
    expect(idsOf(await jobs.findJobs(Invoice, { state: ['created', 'completed'], data: { orderId: 'o-3' } }))).toEqual([waiting]);
  });

  it("types a completed job's output with the definition", async () => {
    const id = (await jobs.send(Invoice, { orderId: 'order-7' }))!;
    await tester.drain(Invoice);
    const job = await jobs.getJob(Invoice, id);
    if (job?.state !== 'completed') throw new Error(`expected a completed job, got ${job?.state}`);
    expect(job.output.total).toBe(7);
    const [found] = await jobs.findJobs(Invoice, { state: 'completed' });
    expect(found!.output).toEqual({ total: 7 });
  });

  it("lists a definition's jobs with tester.jobs, a completed one's output the handler's result", async () => {
    const done = (await jobs.send(Invoice, { orderId: 'order-7' }))!;
    const failed = (await jobs.send(Invoice, { orderId: 'o-2', fail: true }))!;
    await tester.drain(Invoice);
    const [first, second] = tester.jobs(Invoice);
    expect([first?.id, second?.id]).toEqual([done, failed]);
    if (first?.state !== 'completed') throw new Error(`expected a completed job, got ${first?.state}`);
    expect(first.output.total).toBe(7);
    expect(second).toMatchObject({ state: 'failed', output: { message: 'no price for o-2' } });
  });

  it("streams one definition's events with eventsOf, a completed event's output the handler's result", async () => {
    const seen: JobEvent<{ total: number }>[] = [];
    const all: JobEvent[] = [];
    const subscriptions = [jobs.eventsOf(Invoice).subscribe((event) => seen.push(event)), jobs.events$.subscribe((e) => all.push(e))];
    const id = (await jobs.send(Invoice, { orderId: 'order-7' }))!;
    await jobs.send(Lines, { n: 1 });
    await tester.drain('all');
    for (const subscription of subscriptions) subscription.unsubscribe();
    expect(new Set(all.map((event) => event.queue))).toEqual(new Set(['kit-invoice', 'kit-lines']));
    expect(seen.map((event) => [event.type, event.queue, event.jobId])).toEqual([
      ['started', 'kit-invoice', id],
      ['completed', 'kit-invoice', id],
    ]);
    expect(seen[1]!.output?.total).toBe(7);
  });

  it('pages with after and limit, and refuses an after that names no job as the module does', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) sent.push((await jobs.send(Invoice, { orderId: `o-${i}` }))!);
    const pages: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await jobs.findJobs(Invoice, { state: 'created', limit: 3, ...(after ? { after } : {}) });
      pages.push(...idsOf(page));
      if (page.length < 3) break;
      after = page.at(-1)!.id;
    }
    expect(pages).toEqual(sent);
    // The anchor is any job of the queue, whatever its state, spelt as PostgreSQL's uuid reads it.
    expect(idsOf(await jobs.findJobs(Invoice, { state: 'completed', after: sent[2]!.toUpperCase() }))).toEqual([]);
    expect(idsOf(await jobs.findJobs(Invoice, { after: sent[5]! }))).toEqual([sent[6]]);
    const gone = '0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d';
    await expect(jobs.findJobs(Invoice, { state: 'created', after: gone })).rejects.toThrow(JobValidationError);
    await expect(jobs.findJobs(Invoice, { after: gone })).rejects.toThrow(
      `Invalid options for JobsService.findJobs on "kit-invoice": after "${gone}" names no job of the queue`,
    );
  });

  it('stores a result that is no object as { value }, and each completed job of a batch with its own', async () => {
    const lines = (await jobs.send(Lines, { n: 2 }))!;
    const [good, bad] = await jobs.sendMany(Rows, [{ data: { row: 3 } }, { data: { row: -1 } }]);
    await tester.drain('all');
    const listed = await jobs.getJob(Lines, lines);
    expect(listed).toMatchObject({ state: 'completed', output: { value: ['line 1', 'line 2'] } });
    expect(moduleRef.get(Handlers).events.map((event) => event.output)).toEqual([{ value: ['line 1', 'line 2'] }]);
    expect(await jobs.getJob(Rows, good!)).toMatchObject({ state: 'completed', output: { imported: 3 } });
    expect(idsOf(await jobs.findJobs(Rows, { state: 'failed' }))).toEqual([bad]);
  });
});
