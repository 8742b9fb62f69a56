// Compile-time checks of typed results (defineJob<TData, TResult>) and of findJobs by state, run by
// `npm run typecheck`: every @ts-expect-error below must be an error, or tsc fails with
// "Unused '@ts-expect-error' directive".
import type { Observable } from 'rxjs';
import { z } from 'zod';
import {
  defineJob,
  JobHandler,
  OnJobEvent,
  Recurring,
  type BatchJobResult,
  type Job,
  type JobEvent,
  type JobProgress,
  type JobResult,
  type JobWithProgress,
  type JobsService,
  type StoredResult,
} from '../../lib/index.js';
import { waitForJob, type JobsApp } from '../../lib/testing/index.js';
import { same } from './same.js';

const Invoice = defineJob<{ orderId: string }, { total: number; currency: string }>('invoice');
const Count = defineJob<{ n: number }, number>('count');
const Silent = defineJob<{ n: number }, void>('silent');
const Maybe = defineJob<{ n: number }, { found: true } | undefined>('maybe');
const Untyped = defineJob<{ n: number }>('untyped-result');
const resize = z.object({ imageId: z.string() });
const Resize = defineJob<typeof resize, { bytes: number }>('resize', { schema: resize });

export function results() {
  same<JobResult<typeof Invoice>, { total: number; currency: string }>(true);
  same<JobResult<typeof Untyped>, unknown>(true);
  same<StoredResult<number>, { value: number }>(true);
  same<StoredResult<string[]>, { value: string[] }>(true);
  same<StoredResult<void>, null>(true);
  same<StoredResult<{ found: true } | undefined>, { found: true } | null>(true);

  // @ts-expect-error a Date result is stored as an ISO string
  defineJob<{ n: number }, { at: Date }>('date-result');
  // @ts-expect-error a Map result is stored as {}
  defineJob<{ n: number }, Map<string, number>>('map-result');
  // @ts-expect-error a schema definition's result follows the same rule
  defineJob<typeof resize, { at: Date }>('schema-date-result', { schema: resize });
}

export class Handlers {
  @JobHandler(Invoice)
  async invoice(job: Job<{ orderId: string }>) {
    return { total: job.data.orderId.length, currency: 'EUR' };
  }

  // @ts-expect-error the handler returns another shape than the definition's result
  @JobHandler(Invoice)
  async wrongShape(job: Job<{ orderId: string }>) {
    return { total: String(job.data.orderId.length) };
  }

  // @ts-expect-error the handler returns nothing, and the definition declares a result
  @JobHandler(Invoice)
  async nothing(job: Job<{ orderId: string }>) {
    void job;
  }

  @JobHandler(Count)
  count(job: Job<{ n: number }>): number {
    return job.data.n;
  }

  @JobHandler(Silent)
  async silent(job: Job<{ n: number }>) {
    void job;
  }

  @JobHandler(Maybe)
  async maybe(job: Job<{ n: number }>): Promise<{ found: true } | undefined> {
    return job.data.n > 0 ? { found: true } : undefined;
  }

  // definitions without a result type leave the return type unchecked, as before
  @JobHandler(Untyped)
  async untyped(job: Job<{ n: number }>) {
    return new Date(job.data.n);
  }

  @JobHandler(Resize)
  async resize(job: Job<{ imageId: string }>) {
    return { bytes: job.data.imageId.length };
  }

  // @ts-expect-error a schema definition's handler is checked too
  @JobHandler(Resize)
  async resizeWrong(job: Job<{ imageId: string }>) {
    return { kb: job.data.imageId.length };
  }

  // a batch handler returns each job's result with its outcome
  @JobHandler(Invoice, { batchSize: 10 })
  async invoices(jobs: Job<{ orderId: string }>[]): Promise<BatchJobResult<{ total: number; currency: string }>[]> {
    return jobs.map((job, i) =>
      i === 0
        ? { id: job.id, status: 'failed', output: { reason: 'no price' } }
        : { id: job.id, status: 'completed', output: { total: 1, currency: 'EUR' } },
    );
  }

  // @ts-expect-error a completed job of a batch must carry its result
  @JobHandler(Invoice, { batchSize: 10 })
  async invoicesWithoutOutput(jobs: Job<{ orderId: string }>[]) {
    return jobs.map((job) => ({ id: job.id, status: 'completed' as const }));
  }

  // @ts-expect-error returning nothing would complete every job of the batch without its result
  @JobHandler(Invoice, { batchSize: 10 })
  async invoicesVoid(jobs: Job<{ orderId: string }>[]) {
    void jobs;
  }

  // a definition whose result admits undefined: a batch may return nothing
  @JobHandler(Silent, { batchSize: 10 })
  async silentBatch(jobs: Job<{ n: number }>[]) {
    void jobs;
  }

  @Recurring(Count, '0 3 * * *', { data: { n: 1 } })
  async recurring(job: Job<{ n: number }>) {
    return job.data.n;
  }

  // @ts-expect-error @Recurring checks the result type as @JobHandler does
  @Recurring(Count, '0 4 * * *', { key: 'other', data: { n: 1 } })
  async recurringWrong(job: Job<{ n: number }>) {
    return String(job.data.n);
  }

  @OnJobEvent('completed', Invoice)
  onInvoice(event: JobEvent<{ total: number; currency: string }>) {
    const total: number | undefined = event.output?.total;
    return total;
  }

  // an untyped listener still fits: JobEvent carries an object output
  @OnJobEvent('completed', Invoice)
  onAny(event: JobEvent) {
    return event.output;
  }

  // @ts-expect-error a listener of another result type
  @OnJobEvent('completed', Invoice)
  onWrong(event: JobEvent<{ total: string }>) {
    return event.output;
  }

  @OnJobEvent('failed', Invoice)
  onFailed(event: JobEvent) {
    return event.error;
  }
}

export async function lookups(jobs: JobsService, app: JobsApp) {
  const job = await jobs.getJob(Invoice, 'id');
  if (job?.state === 'completed') {
    const total: number = job.output.total;
    void total;
  } else if (job) {
    // any other state holds the last failure, or null
    same<typeof job.output, object | null>(true);
    // @ts-expect-error not narrowed to completed: output is no result
    void job.output.total;
  }

  const completed = await jobs.findJobs(Invoice, { state: 'completed', limit: 50 });
  const currencies: string[] = completed.map((j) => j.output.currency);
  same<(typeof completed)[number]['state'], 'completed'>(true);

  const settled = await jobs.findJobs(Invoice, { state: ['completed', 'failed'] });
  same<(typeof settled)[number]['state'], 'completed' | 'failed'>(true);

  const counted = await jobs.findJobs(Count, { state: 'completed' });
  const n: number = counted[0]!.output.value;

  // @ts-expect-error not a job state
  await jobs.findJobs(Invoice, { state: 'done' });
  // @ts-expect-error state and queued are two state filters: one or the other
  await jobs.findJobs(Invoice, { state: 'failed', queued: true });
  await jobs.findJobs(Invoice, { queued: true, key: 'k', limit: 10 });

  // definitions without a result type return pg-boss's JobWithMetadata with the job's progress
  const untyped = await jobs.findJobs(Untyped, { state: 'failed' });
  same<(typeof untyped)[number], JobWithProgress<{ n: number }>>(true);
  same<Awaited<ReturnType<typeof jobs.getJob<{ n: number }>>>, JobWithProgress<{ n: number }> | null>(true);
  same<(typeof untyped)[number]['progress'], JobProgress | null>(true);

  // eventsOf(Def): one definition's events, a completed event's output typed as @OnJobEvent types it
  jobs.eventsOf(Invoice).subscribe((event) => {
    same<typeof event, JobEvent<{ total: number; currency: string }>>(true);
    if (event.type === 'completed') {
      const invoiced: number | undefined = event.output?.total;
      void invoiced;
    }
    // @ts-expect-error an Invoice result has no such field
    void event.output?.amount;
  });
  jobs.eventsOf(Count).subscribe((event) => {
    const value: number | undefined = event.output?.value;
    void value;
  });
  same<ReturnType<typeof jobs.eventsOf<unknown>>, Observable<JobEvent>>(true);
  const untypedEvents = jobs.eventsOf(Untyped);
  same<typeof untypedEvents, Observable<JobEvent>>(true);
  const byName = jobs.eventsOf('invoice');
  same<typeof byName, Observable<JobEvent>>(true);
  // @ts-expect-error a stream of another result type
  const otherResult: Observable<JobEvent<{ total: string }>> = jobs.eventsOf(Invoice);
  // @ts-expect-error eventsOf takes a definition or a queue name
  jobs.eventsOf(42);
  // events$ carries every queue's events: untyped
  same<typeof jobs.events$, Observable<JobEvent>>(true);
  void otherResult;
  void untypedEvents;
  void byName;

  const waited = await waitForJob(app, Invoice, 'id', 'completed');
  const total: number = waited.output.total;
  return { currencies, n, total, settled, untyped };
}
