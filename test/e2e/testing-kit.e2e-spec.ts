import { Injectable } from '@nestjs/common';
import { afterAll, describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, type Job } from '../../lib/index.js';
import { expectEnqueuedInDatabase, JobAssertionError, waitForJob, waitUntilIdle } from '../../lib/testing/index.js';
import { createApp, dropSchema, gate, uniqueSchema } from '../support/e2e.js';

const schema = uniqueSchema('testing_kit');
afterAll(() => dropSchema(schema));

const Square = defineJob<{ n: number }>('kit-square', { retryLimit: 0 });
const Flaky = defineJob<{ failures: number }>('kit-flaky', { retryLimit: 1, deadLetter: 'kit-flaky.dead' });
const Held = defineJob<{ key: string }>('kit-held', { retryLimit: 0 });
const Later = defineJob<{ orderId: string }>('kit-later');

const held = new Map<string, ReturnType<typeof gate>>();
const attempts = new Map<string, number>();

@Injectable()
class KitWorker {
  @JobHandler(Square, { concurrency: 4 })
  async square(job: Job<{ n: number }>) {
    return { square: job.data.n * job.data.n };
  }

  @JobHandler(Flaky)
  async flaky(job: Job<{ failures: number }>) {
    const seen = (attempts.get(job.id) ?? 0) + 1;
    attempts.set(job.id, seen);
    if (seen <= job.data.failures) throw new Error(`attempt ${seen} failed`);
    return { attempts: seen };
  }

  @JobHandler(Held)
  async held(job: Job<{ key: string }>) {
    await held.get(job.data.key)?.promise;
  }
}

describe('testing kit database helpers', () => {
  it('waitForJob resolves once the job is completed in the database', async () => {
    const app = await createApp(schema, { providers: [KitWorker] });
    const jobs = app.get(JobsService);
    const id = (await jobs.send(Square, { n: 7 }))!;
    const job = await waitForJob(app, Square, id, 'completed', { timeoutMs: 10_000 });
    expect(job.state).toBe('completed');
    expect(job.output).toEqual({ square: 49 });
    await app.close();
  });

  it('waitForJob follows a job through its retry to completion', async () => {
    const app = await createApp(schema, { providers: [KitWorker] });
    const id = (await app.get(JobsService).send(Flaky, { failures: 1 }))!;
    const job = await waitForJob(app, Flaky, id, 'completed');
    expect(job.retryCount).toBe(1);
    expect(job.output).toEqual({ attempts: 2 });
    await app.close();
  });

  it('waitForJob fails at once, naming the state it saw, when the job ends in another final state', async () => {
    const app = await createApp(schema, { providers: [KitWorker] });
    const id = (await app.get(JobsService).send(Flaky, { failures: 5 }))!;
    const started = Date.now();
    const error = await waitForJob(app, Flaky, id, 'completed', { timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobAssertionError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Gave up waiting for job ${id} of "kit-flaky" to be completed: failed \\(retry 1 of 1, output .*attempt 2 failed`),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    await app.close();
  });

  it('waitForJob times out with the last state it saw', async () => {
    const app = await createApp(schema, { providers: [KitWorker] });
    held.set('stuck', gate());
    const id = (await app.get(JobsService).send(Held, { key: 'stuck' }))!;
    await waitForJob(app, Held, id, 'active');
    await expect(waitForJob(app, Held, id, 'completed', { timeoutMs: 300 })).rejects.toThrow(
      `Timed out after 300 ms waiting for job ${id} of "kit-held" to be completed; last seen: active (retry 0 of 0)`,
    );
    held.get('stuck')!.open(undefined);
    await waitForJob(app, Held, id, 'completed');
    await app.close();
  });

  it('expectEnqueuedInDatabase finds queued jobs by partial payload and lists them otherwise', async () => {
    // An enqueue-only instance: nothing is fetched, so the jobs stay queued.
    const app = await createApp(schema, { jobs: { workers: false, queues: [Later] } });
    const jobs = app.get(JobsService);
    await jobs.send(Later, { orderId: 'o-1' });
    await jobs.send(Later, { orderId: 'o-2' });
    const [job] = await expectEnqueuedInDatabase(app, Later, { orderId: 'o-1' }, { count: 1 });
    expect(job!.data).toEqual({ orderId: 'o-1' });
    const error = await expectEnqueuedInDatabase(app, Later, { orderId: 'o-3' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobAssertionError);
    expect((error as Error).message).toContain(`Expected a job enqueued in "kit-later" with data matching { orderId: 'o-3' }, but 0 match`);
    expect((error as Error).message).toContain(`{ orderId: 'o-1' } (created, id `);
    expect((error as Error).message).toContain(`{ orderId: 'o-2' } (created, id `);
    await app.close();
  });

  it('waitUntilIdle resolves when the queues have nothing queued or active', async () => {
    const app = await createApp(schema, { providers: [KitWorker] });
    const jobs = app.get(JobsService);
    await jobs.sendMany(Square, Array.from({ length: 20 }, (_, n) => ({ data: { n } })));
    await jobs.send(Flaky, { failures: 1 });
    const [squares, flaky] = await waitUntilIdle(app, [Square, Flaky], { timeoutMs: 20_000 });
    expect(squares).toMatchObject({ queue: 'kit-square', queued: 0, active: 0 });
    expect(squares!.completed).toBeGreaterThanOrEqual(20);
    expect(flaky).toMatchObject({ queued: 0, active: 0 });
    await app.close();
  });

  it('waitUntilIdle times out listing the counts it saw', async () => {
    const app = await createApp(schema, { providers: [KitWorker] });
    held.set('busy', gate());
    const id = (await app.get(JobsService).send(Held, { key: 'busy' }))!;
    await waitForJob(app, Held, id, 'active');
    await expect(waitUntilIdle(app, Held, { timeoutMs: 300 })).rejects.toThrow(
      'Timed out after 300 ms waiting for "kit-held" to be idle; last counts: "kit-held" queued 0, active 1',
    );
    held.get('busy')!.open(undefined);
    await waitUntilIdle(app, Held);
    await app.close();
  });
});
