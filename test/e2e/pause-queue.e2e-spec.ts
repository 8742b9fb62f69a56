// Issue 13: pause and resume a queue across the cluster. Several Nest apps on one pg-boss schema,
// as several instances of one service.
import { Injectable, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  defineJob,
  JobHandler,
  JobsConfigurationError,
  JobsService,
  JobsStartError,
  type Job,
  type JobsModuleOptions,
} from '../../lib/index.js';
import { createApp, databaseUrl, gate, schemasDroppedAfterAll, sql, waitFor } from '../support/e2e.js';

const WelcomeEmail = defineJob<{ userId: string }>('welcome-email');
/** A handler with localGroupConcurrency: all its slots in one pg-boss work() call (WorkerPool). */
const Grouped = defineJob<{ n: number }>('pause-grouped');
const Nowhere = defineJob<{ n: number }>('pause-nowhere');

/** Runs recorded across every app of a test: which instance ran which job. */
const runs: Array<{ instance: string; id: string; userId: string }> = [];
/** Holds the job whose userId is 'slow' until the test opens it. */
const slow = gate();
const slowStarted = { at: 0 };

@Injectable()
class MailJobs {
  static counter = 0;
  readonly instance = `instance-${++MailJobs.counter}`;

  @JobHandler(WelcomeEmail, { concurrency: 2 })
  async welcome(job: Job<{ userId: string }>) {
    if (job.data.userId === 'slow') {
      slowStarted.at = Date.now();
      await slow.promise;
    }
    runs.push({ instance: this.instance, id: job.id, userId: job.data.userId });
  }

  @JobHandler(Grouped, { concurrency: 2, localGroupConcurrency: 1 })
  async grouped(job: Job<{ n: number }>) {
    runs.push({ instance: this.instance, id: job.id, userId: `grouped-${job.data.n}` });
  }
}

/** A logger that keeps the module's log lines. */
function capture(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (m: unknown) => void lines.push(String(m)), warn: (m: unknown) => void lines.push(String(m)), error: () => {} };
}

/** pg-boss's loops of `queue` in `app` (pg-boss forgets a loop once it has ended). */
const loopsOf = (app: INestApplicationContext, queue: string) =>
  app.get(JobsService).boss.getWipData().filter((loop) => loop.name === queue);
/** Whether every loop of `queue` in `app` is told to stop: none starts another fetch. */
const stopsFetching = (app: INestApplicationContext, queue: string) => loopsOf(app, queue).every((loop) => loop.state === 'stopping');
/**
 * Loops of `queue` in `app` that may have a fetch under way: any but one that stops while it holds a
 * batch (it records the batch and ends without fetching again).
 */
const fetching = (app: INestApplicationContext, queue: string) =>
  loopsOf(app, queue).filter((loop) => !(loop.state === 'stopping' && loop.count > 0));

describe('pausing a queue across the cluster', () => {
  const schemas = schemasDroppedAfterAll();
  const schema = schemas('pause');
  const start = (jobs: Partial<JobsModuleOptions> = {}) => createApp(schema, { providers: [MailJobs], jobs });

  afterAll(() => slow.open());

  it('pauses on one instance, stops every instance, lets the job in flight finish, keeps sends, and survives a restart', async () => {
    const logA = capture();
    const logB = capture();
    const a = await start({ logger: logA });
    let b = await start({ logger: logB });
    const jobs = a.get(JobsService);

    // A job in flight when the pause lands.
    const inFlight = await jobs.send(WelcomeEmail, { userId: 'slow' });
    await waitFor(() => slowStarted.at > 0, { message: 'the slow job to start' });

    // The README's example.
    const pausedAt = Date.now();
    await jobs.pauseQueue(WelcomeEmail);
    // This instance starts no fetch once the call resolved; the other within about a second.
    expect(stopsFetching(a, WelcomeEmail.name)).toBe(true);
    await waitFor(() => stopsFetching(b, WelcomeEmail.name), { message: 'instance B to stop fetching', timeoutMs: 5_000 });
    expect(Date.now() - pausedAt).toBeLessThan(2_000);
    // No fetch begun before the pause is still under way, on either instance.
    await waitFor(() => fetching(a, WelcomeEmail.name).length + fetching(b, WelcomeEmail.name).length === 0, {
      message: 'fetches under way to land',
    });
    expect(await jobs.isQueuePaused(WelcomeEmail)).toBe(true);
    expect(await b.get(JobsService).isQueuePaused('welcome-email')).toBe(true);

    // Sends keep landing, and wait.
    const sent = await b.get(JobsService).sendMany(WelcomeEmail, Array.from({ length: 20 }, (_, i) => ({ data: { userId: `u${i}` } })));
    expect(sent).toHaveLength(20);
    expect(await jobs.getQueueCounts(WelcomeEmail)).toMatchObject({ queued: 20, active: 1 });

    // The job in flight finishes normally, and its loop ends: no loop of the queue is left anywhere.
    slow.open();
    await waitFor(async () => (await jobs.getJob(WelcomeEmail, inFlight!))?.state === 'completed', { message: 'the job in flight to complete' });
    await waitFor(() => loopsOf(a, WelcomeEmail.name).length + loopsOf(b, WelcomeEmail.name).length === 0, {
      message: 'every loop of the queue to end',
    });
    expect(await jobs.getQueueCounts(WelcomeEmail)).toMatchObject({ queued: 20, active: 0, completed: 1 });
    expect(runs.filter((run) => sent.includes(run.id))).toEqual([]);

    // Restart B while paused: shutdown works, and the new instance does not fetch the queue.
    await b.close();
    const logB2 = capture();
    b = await start({ logger: logB2 });
    expect(loopsOf(b, WelcomeEmail.name)).toEqual([]);
    expect(await b.get(JobsService).isQueuePaused(WelcomeEmail)).toBe(true);
    // Its other queue runs.
    const grouped = await b.get(JobsService).send(Grouped, { n: 1 });
    await waitFor(() => runs.some((run) => run.id === grouped), { message: 'a job of another queue' });

    // Resume: the backlog runs.
    await jobs.resumeQueue(WelcomeEmail);
    expect(await jobs.isQueuePaused(WelcomeEmail)).toBe(false);
    await waitFor(async () => (await jobs.getQueueCounts(WelcomeEmail)).completed === 21, { message: 'the backlog to run' });
    expect(runs.filter((run) => sent.includes(run.id))).toHaveLength(20);
    expect(new Set(runs.filter((run) => sent.includes(run.id)).map((run) => run.id)).size).toBe(20);
    await waitFor(() => logB2.lines.includes('Resumed queue "welcome-email"'), { message: 'instance B to resume' });

    // One line per change and instance.
    const changes = (lines: string[]) => lines.filter((line) => /^(Paused|Resumed) queue /.test(line));
    expect(changes(logA.lines)).toEqual(['Paused queue "welcome-email"', 'Resumed queue "welcome-email"']);
    expect(changes(logB.lines)).toEqual(['Paused queue "welcome-email"']);
    expect(changes(logB2.lines)).toEqual(['Paused queue "welcome-email"', 'Resumed queue "welcome-email"']);
    await Promise.all([a.close(), b.close()]);
  }, 60_000);

  it('reaches an instance without LISTEN/NOTIFY through polling, within about a second', async () => {
    const a = await start();
    const b = await start({ listenNotify: false });
    expect(loopsOf(b, WelcomeEmail.name).some((loop) => loop.state === 'active')).toBe(true);
    const pausedAt = Date.now();
    await a.get(JobsService).pauseQueue(WelcomeEmail);
    await waitFor(() => stopsFetching(b, WelcomeEmail.name), { message: 'instance B to stop fetching', timeoutMs: 5_000 });
    expect(Date.now() - pausedAt).toBeLessThan(2_000);
    await a.get(JobsService).resumeQueue(WelcomeEmail);
    await waitFor(() => loopsOf(b, WelcomeEmail.name).some((loop) => loop.state === 'active'), {
      message: 'instance B to fetch again',
      timeoutMs: 5_000,
    });
    await Promise.all([a.close(), b.close()]);
  });

  it('pauses and resumes a handler whose slots share one work() call (localGroupConcurrency)', async () => {
    const app = await start();
    const jobs = app.get(JobsService);
    await jobs.pauseQueue(Grouped);
    expect(stopsFetching(app, Grouped.name)).toBe(true);
    const ids = await jobs.sendMany(Grouped, [{ data: { n: 10 } }, { data: { n: 11 } }]);
    await waitFor(() => loopsOf(app, Grouped.name).length === 0, { message: 'the loops to end' });
    expect(await jobs.getQueueCounts(Grouped)).toMatchObject({ queued: 2 });
    await jobs.resumeQueue(Grouped);
    await waitFor(async () => (await Promise.all(ids.map((id) => jobs.getJob(Grouped, id)))).every((job) => job?.state === 'completed'), {
      message: 'the grouped jobs to run',
    });
    await app.close();
  });

  it('lets an enqueue-only instance (workers: false) pause and resume the workers of others', async () => {
    const worker = await start();
    const api = await start({ workers: false });
    const jobs = api.get(JobsService);
    await jobs.pauseQueue(WelcomeEmail);
    await waitFor(() => stopsFetching(worker, WelcomeEmail.name), { message: 'the worker to stop fetching', timeoutMs: 5_000 });
    const id = await jobs.send(WelcomeEmail, { userId: 'from-api' });
    expect(await jobs.isQueuePaused(WelcomeEmail)).toBe(true);
    await jobs.resumeQueue(WelcomeEmail);
    await waitFor(async () => (await jobs.getJob(WelcomeEmail, id!))?.state === 'completed', { message: 'the job to run once resumed' });
    await Promise.all([worker.close(), api.close()]);
  });

  it('refuses a queue that does not exist with the module\'s error, on every method', async () => {
    const app = await start({ workers: false });
    const jobs = app.get(JobsService);
    for (const call of [() => jobs.pauseQueue(Nowhere), () => jobs.resumeQueue('pause-nowhere'), () => jobs.isQueuePaused(Nowhere)]) {
      const error = await call().then(
        () => new Error('should have failed'),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(JobsConfigurationError);
      expect(error.message).toMatch(/^Queue "pause-nowhere" does not exist\. Declare a handler for it/);
    }
    expect(await sql(`SELECT name FROM "${schema}".nest_pg_jobs_queue_state WHERE name = 'pause-nowhere'`)).toEqual([]);
    await app.close();
  });

  it('keeps the state in one table of the job schema, one row per paused queue', async () => {
    const app = await start({ workers: false });
    const jobs = app.get(JobsService);
    await jobs.pauseQueue(WelcomeEmail);
    await jobs.pauseQueue(WelcomeEmail);
    const rows = await sql<{ name: string; paused_at: Date }>(`SELECT name, paused_at FROM "${schema}".nest_pg_jobs_queue_state`);
    expect(rows.map((row) => row.name)).toEqual(['welcome-email']);
    expect(rows[0]!.paused_at).toBeInstanceOf(Date);
    await jobs.resumeQueue(WelcomeEmail);
    await jobs.resumeQueue(WelcomeEmail);
    expect(await sql(`SELECT name FROM "${schema}".nest_pg_jobs_queue_state`)).toEqual([]);
    await app.close();
  });

  it("fails bootstrap with the SQL to run when the table is missing and pg-boss may not migrate", async () => {
    const fresh = schemas('pause_nomigrate');
    // pg-boss installed, the module's table not: an administrator ran pg-boss's script only.
    const installer = await createApp(fresh, { jobs: { workers: false } });
    await installer.close();
    await sql(`DROP TABLE "${fresh}".nest_pg_jobs_queue_state`);
    const error = await createApp(fresh, {
      providers: [MailJobs],
      jobs: { connectionString: undefined, connection: { connectionString: databaseUrl(), migrate: false } },
    }).then(
      () => new Error('bootstrap should have failed'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(JobsStartError);
    expect(error.message).toMatch(
      new RegExp(`^The table "${fresh}"\\."nest_pg_jobs_queue_state", where JobsService\\.pauseQueue keeps paused queues, does not exist, and the module creates nothing .* getJobsConstructionPlans\\('${fresh}'\\)`),
    );
  });
});
