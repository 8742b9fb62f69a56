import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  defineJob,
  JobHandler,
  JobsService,
  JobValidationError,
  type BatchJobResult,
  type Job,
} from '../../lib/index.js';
import { createApp, dropSchema, gate, sql, uniqueSchema, waitFor } from '../support/e2e.js';

const Ordered = defineJob<{ label: string }>('ordered');
const Rows = defineJob<{ n: number }>('rows', { retryLimit: 1, retryDelay: 0 });
const Limited = defineJob<{ n: number }>('limited');
const Signup = defineJob('signup', {
  schema: z.object({ email: z.string().email(), age: z.coerce.number().int().min(18) }),
  retryLimit: 5,
  deadLetter: 'signup.dead',
});

@Injectable()
class ProcessingJobs {
  readonly order: string[] = [];
  blocker = gate();
  readonly batches: number[][] = [];
  readonly rowAttempts = new Map<number, number>();
  inFlight = 0;
  maxInFlight = 0;
  readonly limitedDone = new Set<number>();
  readonly signups: Array<{ email: string; age: number }> = [];

  @JobHandler(Ordered)
  async ordered(job: Job<{ label: string }>) {
    if (job.data.label === 'blocker') await this.blocker.promise;
    else this.order.push(job.data.label);
  }

  @JobHandler(Rows, { batchSize: 10 })
  async rows(jobs: Job<{ n: number }>[]): Promise<BatchJobResult[]> {
    this.batches.push(jobs.map((j) => j.data.n));
    return jobs.map((job) => {
      this.rowAttempts.set(job.data.n, job.attempt);
      // Row 7 fails once and succeeds on its retry; row 13 is rejected for good; the rest of the
      // batch completes.
      if (job.data.n === 13) return { id: job.id, status: 'deadletter', output: { message: 'row 13 is malformed' } };
      return job.data.n === 7 && job.attempt === 1
        ? { id: job.id, status: 'failed', output: { message: 'row 7 is locked' } }
        : { id: job.id, status: 'completed', output: { imported: job.data.n } };
    });
  }

  @JobHandler(Limited, { concurrency: 3 })
  async limited(job: Job<{ n: number }>) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 60));
    this.inFlight--;
    this.limitedDone.add(job.data.n);
  }

  @JobHandler(Signup)
  async signup(job: Job<{ email: string; age: number }>) {
    this.signups.push(job.data);
  }
}

describe('processing', () => {
  const schema = uniqueSchema('processing');
  let app: INestApplicationContext;
  let jobs: JobsService;
  let handler: ProcessingJobs;

  beforeAll(async () => {
    app = await createApp(schema, { providers: [ProcessingJobs] });
    jobs = app.get(JobsService);
    handler = app.get(ProcessingJobs);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('runs queued jobs in priority order, highest first', async () => {
    const blocker = await jobs.send(Ordered, { label: 'blocker' });
    await waitFor(async () => (await jobs.getJob(Ordered, blocker!))?.state === 'active', {
      message: 'the blocker to occupy the only worker',
    });
    await jobs.send(Ordered, { label: 'low' }, { priority: 1 });
    await jobs.send(Ordered, { label: 'high' }, { priority: 10 });
    await jobs.send(Ordered, { label: 'none' });
    await jobs.send(Ordered, { label: 'mid' }, { priority: 5 });
    handler.blocker.open();
    await waitFor(() => handler.order.length === 4, { message: 'all four jobs' });
    expect(handler.order).toEqual(['high', 'mid', 'low', 'none']);
  });

  it('hands a batch handler arrays of up to batchSize jobs and settles each job on its own', async () => {
    const ids = await jobs.sendMany(Rows, Array.from({ length: 25 }, (_, n) => ({ data: { n } })));
    expect(ids).toHaveLength(25);
    await waitFor(async () => {
      const done = await jobs.findJobs(Rows);
      return done.length === 25 && done.filter((j) => j.state === 'completed').length === 24;
    }, { message: '24 rows to complete' });
    const row13 = (await jobs.findJobs(Rows, { data: { n: 13 } }))[0]!;
    // `deadletter` skips the remaining retry (retryLimit 1): failed on its first attempt.
    expect(row13).toMatchObject({ state: 'failed', retryCount: 0, output: { message: 'row 13 is malformed' } });
    expect(handler.batches.every((b) => b.length <= 10)).toBe(true);
    expect(handler.batches.some((b) => b.length > 1)).toBe(true);
    expect(handler.rowAttempts.get(7)).toBe(2);
    expect(handler.rowAttempts.get(8)).toBe(1);
    const row7 = (await jobs.findJobs(Rows, { data: { n: 7 } }))[0]!;
    expect(row7.output).toEqual({ imported: 7 });
  });

  it('never runs more than `concurrency` jobs of a queue at once', async () => {
    await jobs.sendMany(Limited, Array.from({ length: 15 }, (_, n) => ({ data: { n } })));
    await waitFor(() => handler.limitedDone.size === 15, { message: 'all 15 limited jobs' });
    expect(handler.maxInFlight).toBe(3);
  });

  it('rejects an invalid payload at send with a JobValidationError and writes nothing', async () => {
    const error = await jobs
      .send(Signup, { email: 'not-an-email', age: 12 })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).message).toMatch(/Invalid payload for job "signup": email: .*; age: /);
    expect((error as JobValidationError).issues.length).toBe(2);
    const rows = await sql(`SELECT count(*)::int AS n FROM "${schema}".job WHERE name = 'signup'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('hands the handler the schema output (coerced types)', async () => {
    await jobs.send(Signup, { email: 'ada@example.com', age: '36' as unknown as number });
    await waitFor(() => handler.signups.find((s) => s.email === 'ada@example.com'), { message: 'signup' });
    expect(handler.signups.find((s) => s.email === 'ada@example.com')!.age).toBe(36);
  });

  it('dead-letters a stored job whose payload fails validation, without using its retries', async () => {
    // Written around the schema, as an older deploy or another service could have.
    const id = await jobs.boss.send('signup', { email: 'broken' });
    const dead = await waitFor(
      async () => (await jobs.getDeadLetters(Signup)).find((j) => j.sourceId === id),
      { message: 'the invalid job to reach signup.dead' },
    );
    expect(dead.sourceRetryCount).toBe(0);
    expect(dead.sourceOutput).toMatchObject({ name: 'JobValidationError' });
    expect(handler.signups.find((s) => s.email === 'broken')).toBeUndefined();
  });
});
