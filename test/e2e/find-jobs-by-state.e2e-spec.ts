// Issue 13, on PostgreSQL: findJobs by state (a statement of the module's own, since pg-boss 12's
// findJobs has no state filter) and typed results (defineJob<TData, TResult>) coming back from getJob,
// findJobs, waitForJob and the `completed` event. The README's examples of both are the ones here.
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  defineJob,
  fromPg,
  JobHandler,
  JobsService,
  JobValidationError,
  OnJobEvent,
  type BatchJobResult,
  type Job,
  type JobEvent,
  type JobState,
} from '../../lib/index.js';
import { waitForJob } from '../../lib/testing/index.js';
import { findJobsByState } from '../../lib/backend/pg-boss/find-jobs-by-state.sql.js';
import { schemaIdentifier, quoteIdent } from '../../lib/backend/pg-boss/sql-identifier.util.js';
import { createApp, databaseUrl, gate, schemasDroppedAfterAll, sql, waitFor } from '../support/e2e.js';

type InvoiceData = { orderId: string; mode?: 'fail' | 'hold' | 'flaky' };

// The README's typed result: the handler must return { total: number }, getJob/findJobs type it.
const Invoice = defineJob<InvoiceData, { total: number }>('steer-invoice', { retryLimit: 0 });
/** A result that is no object: stored as { value }. */
const Count = defineJob<{ n: number }, number>('steer-count');
/** An array result: stored as { value } too (pg-boss wraps it), and the event says so. */
const Lines = defineJob<{ n: number }, string[]>('steer-lines');
/** A batch handler with a result type: each completed job carries its own. */
const Rows = defineJob<{ row: number }, { imported: number }>('steer-rows');
/** No handler (declared in `queues`): its jobs stay `created`, in the order they were sent. */
const Page = defineJob<{ i: number; tag?: string }>('steer-page');
/** No handler: a backlog whose states the test writes, for the plans. */
const Backlog = defineJob<{ i: number }>('steer-backlog');

const A_UUID = '0b7c0d4e-3a1f-4a5e-9c1d-2f3e4a5b6c7d';

@Injectable()
class Prices {
  async total(orderId: string): Promise<number> {
    return orderId === 'o-1' ? 42 : orderId.length;
  }
}

@Injectable()
class InvoiceJobs {
  readonly held = gate();
  readonly release = gate();
  readonly completed: JobEvent<{ total: number }>[] = [];
  readonly lineEvents: JobEvent<{ value: string[] }>[] = [];

  constructor(private readonly prices: Prices) {}

  // The README's handler: returning anything but { total: number } is a compile error.
  @JobHandler(Invoice, { concurrency: 4, adaptiveBatching: false })
  async invoice(job: Job<InvoiceData>) {
    if (job.data.mode === 'fail') throw new Error(`no price for ${job.data.orderId}`);
    if (job.data.mode === 'flaky' && job.attempt === 1) throw new Error('price service down');
    if (job.data.mode === 'hold') {
      this.held.open();
      await this.release.promise;
    }
    return { total: await this.prices.total(job.data.orderId) };
  }

  @JobHandler(Count)
  async count(job: Job<{ n: number }>) {
    return job.data.n * 2;
  }

  @JobHandler(Lines)
  async lines(job: Job<{ n: number }>) {
    return Array.from({ length: job.data.n }, (_, i) => `line ${i + 1}`);
  }

  @JobHandler(Rows, { batchSize: 10 })
  async rows(jobs: Job<{ row: number }>[]): Promise<BatchJobResult<{ imported: number }>[]> {
    return jobs.map((job) =>
      job.data.row < 0
        ? { id: job.id, status: 'failed', output: { reason: 'negative row' } }
        : { id: job.id, status: 'completed', output: { imported: job.data.row } },
    );
  }

  @OnJobEvent('completed', Invoice)
  onInvoice(event: JobEvent<{ total: number }>) {
    this.completed.push(event);
  }

  @OnJobEvent('completed', Lines)
  onLines(event: JobEvent<{ value: string[] }>) {
    this.lineEvents.push(event);
  }
}

const idsOf = (jobs: ReadonlyArray<{ id: string }>) => jobs.map((job) => job.id);

describe('findJobs by state, and typed results, on PostgreSQL', () => {
  const schema = schemasDroppedAfterAll();
  let app: INestApplicationContext;
  let jobs: JobsService;
  let handlers: InvoiceJobs;
  let appSchema: string;

  beforeAll(async () => {
    appSchema = schema('steer');
    app = await createApp(appSchema, { providers: [Prices, InvoiceJobs], jobs: { queues: [Page, Backlog] } });
    jobs = app.get(JobsService);
    handlers = app.get(InvoiceJobs);
  });
  afterAll(async () => {
    handlers?.release.open();
    await app?.close();
  });

  const stateOf = (id: string, state: JobState) =>
    waitFor(async () => (await jobs.getJob(Invoice, id))?.state === state, { message: `job ${id} to be ${state}` });

  describe('with jobs in every state', () => {
    const ids = {} as Record<JobState, string>;

    beforeAll(async () => {
      ids.completed = (await jobs.send(Invoice, { orderId: 'o-1' }))!;
      ids.failed = (await jobs.send(Invoice, { orderId: 'o-2', mode: 'fail' }))!;
      ids.active = (await jobs.send(Invoice, { orderId: 'o-3', mode: 'hold' }))!;
      ids.created = (await jobs.send(Invoice, { orderId: 'o-4' }, { startAfter: 3600 }))!;
      ids.cancelled = (await jobs.send(Invoice, { orderId: 'o-5' }, { startAfter: 3600 }))!;
      await jobs.cancel(Invoice, ids.cancelled);
      // Fails once and waits an hour for its retry.
      ids.retry = (await jobs.send(Invoice, { orderId: 'o-6', mode: 'fail' }, { retryLimit: 1, retryDelay: 3600 }))!;
      await handlers.held.promise;
      for (const state of Object.keys(ids) as JobState[]) await stateOf(ids[state], state);
    });

    it.each(['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const)(
      'finds exactly the %s job',
      async (state) => {
        expect(idsOf(await jobs.findJobs(Invoice, { state }))).toEqual([ids[state]]);
        expect(idsOf(await jobs.findJobs(Invoice, { state: [state] }))).toEqual([ids[state]]);
      },
    );

    it('finds the jobs of several states, oldest first, as findJobs without state orders them', async () => {
      expect(idsOf(await jobs.findJobs(Invoice, { state: ['cancelled', 'created'] }))).toEqual([ids.created, ids.cancelled]);
      const all = await jobs.findJobs(Invoice, { state: ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] });
      expect(idsOf(all)).toEqual(idsOf(await jobs.findJobs(Invoice)));
      expect(idsOf(all)).toEqual([ids.completed, ids.failed, ids.active, ids.created, ids.cancelled, ids.retry]);
      expect(await jobs.findJobs(Invoice, { state: 'failed', id: ids.completed })).toEqual([]);
      expect(idsOf(await jobs.findJobs(Invoice, { state: ['failed', 'retry'], data: { mode: 'fail' }, limit: 1 }))).toEqual([ids.failed]);
    });

    it("returns each job with the columns, types and values pg-boss's findJobs gives it", async () => {
      for (const state of Object.keys(ids) as JobState[]) {
        const [byState] = await jobs.findJobs(Invoice, { state, id: ids[state] });
        const [byBoss] = await jobs.findJobs(Invoice, { id: ids[state] });
        expect(byState).toEqual(byBoss);
        expect(Object.keys(byState!).sort()).toEqual(Object.keys(byBoss!).sort());
      }
    });

    it('types the output of a completed job with the definition, and keeps failures as they are', async () => {
      // The README's lookups, as written there.
      const id = ids.completed;
      const totals: number[] = [];
      const job = await jobs.getJob(Invoice, id);
      if (job?.state === 'completed') totals.push(job.output.total);
      const done = await jobs.findJobs(Invoice, { state: 'completed', limit: 50 });
      expect(totals).toEqual([42]);
      expect(done.map((j) => j.output.total)).toEqual([42]);
      const failed = await jobs.findJobs(Invoice, { state: 'failed' });
      expect(failed[0]!.output).toMatchObject({ name: 'Error', message: 'no price for o-2' });

      const waited = await waitForJob(app, Invoice, ids.completed, 'completed');
      expect(waited.output.total).toBe(42);
      await waitFor(() => handlers.completed.find((event) => event.jobId === ids.completed), { message: 'the completed event' });
      expect(handlers.completed.find((event) => event.jobId === ids.completed)!.output).toEqual({ total: 42 });
    });

    it("retries the last failures found by state (the README's example)", async () => {
      const flaky = (await jobs.send(Invoice, { orderId: 'o-1', mode: 'flaky' }))!;
      await stateOf(flaky, 'failed');

      const failed = await jobs.findJobs(Invoice, { state: 'failed', limit: 50 });
      if (failed.length > 0) await jobs.retry(Invoice, failed.map((job) => job.id));

      expect(idsOf(failed)).toEqual([ids.failed, flaky]);
      await stateOf(flaky, 'completed');
      // Its second attempt failed as the first did (retryCount counts the claim of the retry).
      await waitFor(async () => {
        const job = await jobs.getJob(Invoice, ids.failed);
        return job?.state === 'failed' && job.retryCount === 1;
      }, { message: 'the second attempt of the failing job' });
      expect(idsOf(await jobs.findJobs(Invoice, { state: 'failed' }))).toEqual([ids.failed]);
    });
  });

  it('stores a result that is no object as { value }, in the database and in the completed event', async () => {
    const count = (await jobs.send(Count, { n: 21 }))!;
    const lines = (await jobs.send(Lines, { n: 2 }))!;
    const counted = await waitForJob(app, Count, count, 'completed');
    expect(counted.output.value).toBe(42);
    const listed = await waitForJob(app, Lines, lines, 'completed');
    expect(listed.output).toEqual({ value: ['line 1', 'line 2'] });
    const event = await waitFor(() => handlers.lineEvents.find((e) => e.jobId === lines), { message: 'the lines event' });
    expect(event.output).toEqual(listed.output);
  });

  it("stores each completed job's result from a batch handler", async () => {
    const [good, bad] = await jobs.sendMany(Rows, [{ data: { row: 7 } }, { data: { row: -1 }, options: { retryLimit: 0 } }]);
    const imported = await waitForJob(app, Rows, good!, 'completed');
    expect(imported.output).toEqual({ imported: 7 });
    await waitForJob(app, Rows, bad!, 'failed');
    const [failed] = await jobs.findJobs(Rows, { state: 'failed' });
    expect(failed!.id).toBe(bad);
  });

  describe('paging', () => {
    let all: string[];

    beforeAll(async () => {
      // One statement: the ten share a created_on, so their order is by id, as pg-boss orders them.
      await jobs.sendMany(Page, Array.from({ length: 10 }, (_, i) => ({ data: { i } })));
      for (let i = 10; i < 13; i++) await jobs.send(Page, { i, tag: i === 11 ? 'eleven' : undefined }, { singletonKey: `k${i}` });
      all = idsOf(await jobs.findJobs(Page, { state: 'created' }));
    });

    it("lists in pg-boss's order, and pages with after and limit", async () => {
      expect(all).toHaveLength(13);
      expect(all).toEqual(idsOf(await jobs.findJobs(Page, { queued: true })));
      const pages: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await jobs.findJobs(Page, { state: ['created', 'retry'], limit: 4, ...(after ? { after } : {}) });
        pages.push(...idsOf(page));
        if (page.length < 4) break;
        after = page.at(-1)!.id;
      }
      expect(pages).toEqual(all);
    });

    it('combines state with key and data', async () => {
      expect(idsOf(await jobs.findJobs(Page, { state: 'created', key: 'k12' }))).toEqual([all[12]]);
      expect(idsOf(await jobs.findJobs(Page, { state: 'created', data: { tag: 'eleven' } }))).toEqual([all[11]]);
      expect(await jobs.findJobs(Page, { state: 'completed' })).toEqual([]);
    });

    it('refuses an after that names no job, as findJobs without state does', async () => {
      const withoutState = (await jobs.findJobs(Page, { after: A_UUID }).catch((error: unknown) => error)) as Error;
      const withState = (await jobs.findJobs(Page, { state: 'created', after: A_UUID }).catch((error: unknown) => error)) as Error;
      expect(withState).toBeInstanceOf(JobValidationError);
      expect(withState.message).toBe(withoutState.message);
      expect(withState.message).toMatch(/^Invalid options for JobsService\.findJobs on "steer-page": after "0b7c0d4e-.*" names no job of the queue/);
    });

    it("reads in the caller's transaction with { db }", async () => {
      const client = new pg.Client({ connectionString: databaseUrl() });
      await client.connect();
      try {
        await client.query('BEGIN');
        const db = fromPg(client);
        const id = await jobs.send(Page, { i: 100 }, { db });
        expect(idsOf(await jobs.findJobs(Page, { state: 'created', data: { i: 100 }, db }))).toEqual([id]);
        expect(await jobs.findJobs(Page, { state: 'created', data: { i: 100 } })).toEqual([]);
      } finally {
        await client.query('ROLLBACK');
        await client.end();
      }
    });
  });

  it("reads through pg-boss's indexes: job_i14 for a live state, job_i15 for a finished one", async () => {
    // A queue of many completed jobs and a few failed ones, with fresh statistics.
    const ids = await jobs.sendMany(Backlog, Array.from({ length: 5000 }, (_, i) => ({ data: { i } })));
    const queue = (await jobs.getQueue(Backlog))!;
    const table = `${schemaIdentifier(appSchema)}.${quoteIdent(queue.table)}`;
    // Sent in one statement, they share a created_on; a backlog sent over time does not.
    await sql(
      `UPDATE ${table} AS j SET state = 'completed', completed_on = now(), created_on = j.created_on + s.n * interval '1 ms'
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ${table} WHERE name = $1) AS s
       WHERE j.name = $1 AND j.id = s.id`,
      [Backlog.name],
    );
    await sql(`UPDATE ${table} SET state = 'failed', completed_on = now() WHERE name = $1 AND id = ANY($2::uuid[])`, [
      Backlog.name,
      ids.slice(0, 5),
    ]);
    await sql(`ANALYZE ${table}`);
    const plan = async (states: JobState[]) => {
      const { text, values } = findJobsByState(schemaIdentifier(appSchema), table, Backlog.name, { states, limit: 50 });
      const [row] = await sql<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
      const nodes: Array<{ 'Node Type': string; 'Index Name'?: string }> = [];
      const walk = (node: { 'Node Type': string; Plans?: unknown[] }) => {
        nodes.push(node);
        for (const child of node.Plans ?? []) walk(child as typeof node);
      };
      walk((row!['QUERY PLAN'] as Array<{ Plan: { 'Node Type': string } }>)[0]!.Plan);
      return {
        seqScan: nodes.some((node) => node['Node Type'] === 'Seq Scan'),
        indexes: nodes.flatMap((node) => (node['Index Name'] ? [node['Index Name'].replace(/^.*_(i\d+)$/, 'job_$1')] : [])),
      };
    };
    expect(await plan(['failed'])).toEqual({ seqScan: false, indexes: ['job_i14'] });
    expect(await plan(['completed'])).toEqual({ seqScan: false, indexes: ['job_i15'] });
    expect(idsOf(await jobs.findJobs(Backlog, { state: 'failed' })).sort()).toEqual(ids.slice(0, 5).sort());
  });
});
