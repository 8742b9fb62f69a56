// Issue 13: a rate limit per queue across the cluster (rateLimit: { max, perSeconds }). Several Nest
// apps on one pg-boss schema, as several instances of one service. Windows are fixed, aligned on the
// epoch by the database's clock; the apps run on the database's host, so Date.now() reads the same clock.
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, type Job, type JobsModuleOptions } from '../../lib/index.js';
import { createApp, schemasDroppedAfterAll, sql, waitFor } from '../support/e2e.js';

/** Three starts a second, whatever the number of instances. */
const CallApi = defineJob<{ n: number }>('call-api', { rateLimit: { max: 3, perSeconds: 1 } });
/** Two starts per five-second window: long enough for an instance to stop and another to start within one. */
const Slow = defineJob<{ n: number }>('rate-slow', { rateLimit: { max: 2, perSeconds: 5 } });
/** One start a minute: the second job waits for the next minute. */
const Scarce = defineJob<{ n: number }>('rate-scarce', { rateLimit: { max: 1, perSeconds: 60 } });

/** Every start, in every app: which instance, which job, when (ms since the epoch). */
const starts: Array<{ instance: string; queue: string; n: number; at: number }> = [];

@Injectable()
class ApiJobs {
  static counter = 0;
  readonly instance = `instance-${++ApiJobs.counter}`;

  @JobHandler(CallApi, { concurrency: 4 })
  async call(job: Job<{ n: number }>) {
    starts.push({ instance: this.instance, queue: job.name, n: job.data.n, at: Date.now() });
  }

  @JobHandler(Slow)
  async slow(job: Job<{ n: number }>) {
    starts.push({ instance: this.instance, queue: job.name, n: job.data.n, at: Date.now() });
  }

  @JobHandler(Scarce)
  async scarce(job: Job<{ n: number }>) {
    starts.push({ instance: this.instance, queue: job.name, n: job.data.n, at: Date.now() });
  }
}

/**
 * Waits until a window of `perSeconds` has just opened (an alignment of the test with the windows,
 * not a wait for readiness): jobs sent now get permits early in the window, far from its end.
 */
async function atWindowStart(perSeconds: number): Promise<void> {
  const ms = perSeconds * 1000;
  await sleep(ms - (Date.now() % ms) + 20);
}

const startsOf = (queue: string) => starts.filter((s) => s.queue === queue);

describe('rate limit per queue across the cluster', () => {
  const schemas = schemasDroppedAfterAll();
  const schema = schemas('rate');
  const start = (jobs: Partial<JobsModuleOptions> = {}) => createApp(schema, { providers: [ApiJobs], jobs });

  it('holds two instances with four slots each to three starts per one-second window, and runs every job once', async () => {
    const a = await start();
    const b = await start();
    const jobs = a.get(JobsService);
    await atWindowStart(1);
    const ids = await jobs.sendMany(CallApi, Array.from({ length: 15 }, (_, n) => ({ data: { n } })));
    await waitFor(() => startsOf('call-api').length >= 15, { message: '15 starts' });
    await waitFor(async () => (await jobs.getQueueCounts(CallApi)).completed === 15, { message: '15 completed jobs' });

    const calls = startsOf('call-api');
    // Each job ran once.
    expect(calls.map((s) => s.n).sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, n) => n));
    expect(ids).toHaveLength(15);
    // At most three starts in any window, across both instances.
    const perWindow = new Map<number, number>();
    for (const s of calls) perWindow.set(Math.floor(s.at / 1000), (perWindow.get(Math.floor(s.at / 1000)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(3);
    // So 15 jobs took at least five windows; eight slots unlimited would have run them in one.
    const windows = [...perWindow.keys()];
    expect(Math.max(...windows) - Math.min(...windows)).toBeGreaterThanOrEqual(4);
    // Both instances drew from the one count.
    expect(new Set(calls.map((s) => s.instance)).size).toBe(2);
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps counting across a restart: a job sent after another instance used up the window waits for the next one', async () => {
    await atWindowStart(5);
    const first = await start();
    const firstJobs = first.get(JobsService);
    await firstJobs.sendMany(Slow, [{ data: { n: 1 } }, { data: { n: 2 } }]);
    await waitFor(() => startsOf('rate-slow').length === 2, { message: 'the first two starts' });
    const window = Math.floor(startsOf('rate-slow')[0]!.at / 5000);
    await first.close();

    const second = await start();
    const sentAt = Date.now();
    // The premise: this send lands in the window the first instance used up.
    expect(Math.floor(sentAt / 5000)).toBe(window);
    await second.get(JobsService).send(Slow, { n: 3 });
    await waitFor(() => startsOf('rate-slow').length === 3, { timeoutMs: 15_000, message: 'the third start' });
    const third = startsOf('rate-slow')[2]!;
    expect(Math.floor(third.at / 5000)).toBe(window + 1);
    await second.close();
  });

  it('lets a job waiting for its window be cancelled (it never runs), and hands a waiting job back at shutdown', async () => {
    const app = await start({ shutdownTimeoutMs: 1_000 });
    const jobs = app.get(JobsService);
    const ranFirst = (await jobs.send(Scarce, { n: 1 }))!;
    await waitFor(() => startsOf('rate-scarce').length === 1, { message: 'the first start' });
    expect(startsOf('rate-scarce')[0]!.n).toBe(1);

    // The minute's permit is spent: the next job waits in the slot, active, until the next minute.
    const cancelled = (await jobs.send(Scarce, { n: 2 }))!;
    await waitFor(async () => (await jobs.getJob(Scarce, cancelled))?.state === 'active', { message: 'the waiting job' });
    await jobs.cancel(Scarce, cancelled);
    // The slot is free again: it fetches the next job, which waits too.
    const waiting = (await jobs.send(Scarce, { n: 3 }))!;
    await waitFor(async () => (await jobs.getJob(Scarce, waiting))?.state === 'active', { message: 'the next waiting job' });
    expect((await jobs.getJob(Scarce, cancelled))?.state).toBe('cancelled');
    expect((await jobs.getJob(Scarce, ranFirst))?.state).toBe('completed');

    // Shutdown does not wait out the minute: the waiting job is failed back to retry, not lost.
    const closing = Date.now();
    await app.close();
    expect(Date.now() - closing).toBeLessThan(10_000);
    const [row] = await sql<{ state: string }>(`SELECT state FROM "${schema}".job WHERE id = $1`, [waiting]);
    expect(row?.state).toBe('retry');
    expect(startsOf('rate-scarce').map((s) => s.n)).toEqual([1]);
  });

  it('stores one row per rate-limited queue in the module table, created at bootstrap', async () => {
    const rows = await sql<{ name: string; used: number }>(`SELECT name, used FROM "${schema}".nest_pg_jobs_rate_limit ORDER BY name`);
    expect(rows.map((r) => r.name)).toEqual(['call-api', 'rate-scarce', 'rate-slow']);
  });
});
