import { Injectable, type LoggerService, type OnApplicationShutdown } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, JobsStartError, type Job } from '../../lib/index.js';
import { createApp, gate, schemasDroppedAfterAll, waitFor } from '../support/e2e.js';
import { freePort } from '../../scripts/embedded-postgres.js';

const Report = defineJob<{ id: number }>('report', { retryLimit: 1 });
const FollowUp = defineJob<{ id: number }>('follow-up');

@Injectable()
class ReportJobs implements OnApplicationShutdown {
  shutdownAt = 0;
  readonly started = gate<string>();
  readonly release = gate();
  finished: number[] = [];
  finishedAt = 0;
  followUps: number[] = [];
  abortedAt: number[] = [];
  constructor(private readonly jobs: JobsService) {}

  @JobHandler(Report)
  async report(job: Job<{ id: number }>) {
    this.started.open(job.id);
    job.signal.addEventListener('abort', () => this.abortedAt.push(job.data.id));
    await this.release.promise;
    // Enqueued while the application is shutting down: must land.
    await this.jobs.send(FollowUp, { id: job.data.id });
    this.finished.push(job.data.id);
    this.finishedAt = performance.now();
  }

  onApplicationShutdown() {
    this.shutdownAt = performance.now();
  }

  @JobHandler(FollowUp)
  async followUp(job: Job<{ id: number }>) {
    this.followUps.push(job.data.id);
  }
}

describe('lifecycle', () => {
  const schema = schemasDroppedAfterAll();

  it('waits for an in-flight job at shutdown, and a job it sends while the app closes lands', async () => {
    const s = schema('shutdown');
    const app = await createApp(s, { providers: [ReportJobs], jobs: { shutdownTimeoutMs: 20_000 } });
    const jobs = app.get(JobsService);
    const handler = app.get(ReportJobs);
    const id = await jobs.send(Report, { id: 1 });
    await handler.started.promise;
    let closedAt = 0;
    const closing = app.close().then(() => (closedAt = performance.now()));
    // Still running while the app is closing: visible from another connection.
    const probeBefore = await createApp(s, { jobs: { workers: false } });
    expect((await probeBefore.get(JobsService).getJob(Report, id!))?.state).toBe('active');
    await probeBefore.close();
    expect(closedAt).toBe(0);
    handler.release.open();
    await closing;
    expect(handler.finished).toEqual([1]);
    expect(handler.finishedAt).toBeGreaterThan(0);
    expect(closedAt).toBeGreaterThan(handler.finishedAt);
    // Jobs drain in JobsModule's onModuleDestroy, before any provider's onApplicationShutdown: a
    // resource released there is still alive while in-flight jobs finish.
    expect(handler.shutdownAt).toBeGreaterThan(handler.finishedAt);
    // A fresh instance sees the finished report and the follow-up sent during shutdown.
    const probe = await createApp(s, { jobs: { workers: false } });
    const probeJobs = probe.get(JobsService);
    expect((await probeJobs.getJob(Report, id!))?.state).toBe('completed');
    const followUps = await probeJobs.findJobs(FollowUp, { data: { id: 1 } });
    expect(followUps).toHaveLength(1);
    await probe.close();
  });

  it('fails a job still running at the shutdown timeout so that it is retried, and aborts its signal', async () => {
    const s = schema('shutdown_timeout');
    const app = await createApp(s, { providers: [ReportJobs], jobs: { shutdownTimeoutMs: 1_000 } });
    const jobs = app.get(JobsService);
    const handler = app.get(ReportJobs);
    const id = await jobs.send(Report, { id: 2 });
    await handler.started.promise;
    await app.close();
    expect(handler.abortedAt).toEqual([2]);
    handler.release.open();
    const probe = await createApp(s, { jobs: { workers: false } });
    const job = await probe.get(JobsService).getJob(Report, id!);
    expect(job?.state).toBe('retry');
    await probe.close();
  });

  it('never processes jobs in a `workers: false` instance', async () => {
    const s = schema('producer');
    const producer = await createApp(s, { providers: [ReportJobs], jobs: { workers: false } });
    const jobs = producer.get(JobsService);
    const id = await jobs.send(FollowUp, { id: 3 });
    expect(jobs.boss.getWipData()).toHaveLength(0);
    // A worker instance started afterwards picks the job up: it was only waiting.
    const worker = await createApp(s, { providers: [ReportJobs] });
    await waitFor(async () => (await jobs.getJob(FollowUp, id!))?.state === 'completed', {
      message: 'the worker instance to run the job',
    });
    expect(producer.get(ReportJobs).followUps).toEqual([]);
    expect(worker.get(ReportJobs).followUps).toEqual([3]);
    await worker.close();
    await producer.close();
  });

  it('retries an unreachable database with backoff, then fails bootstrap with a clear error', async () => {
    const port = await freePort();
    const started = Date.now();
    const warnings: string[] = [];
    const logger: LoggerService = { log() {}, error() {}, warn: (m: unknown) => void warnings.push(String(m)) };
    const error = await createApp(schema('unreachable'), {
      providers: [ReportJobs],
      jobs: {
        connectionString: `postgres://app:s3cret-pw@127.0.0.1:${port}/nowhere`,
        startAttempts: 3,
        logger,
      },
    }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(JobsStartError);
    expect((error as Error).message).toMatch(/^Could not start pg-boss after 3 attempt\(s\): .*ECONNREFUSED/);
    expect((error as Error).message).not.toContain('s3cret-pw');
    // 1 s then 2 s between the three attempts, one log line each.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    const attempts = warnings.filter((w) => w.startsWith('Database not reachable'));
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatch(/ECONNREFUSED.*attempt 1 of 3, retrying in 1 s$/);
    expect(attempts[1]).toMatch(/attempt 2 of 3, retrying in 2 s$/);
    expect(warnings.join('\n')).not.toContain('s3cret-pw');
  });

  it('runs no cron scheduler in an instance with `scheduler: false`', async () => {
    const s = schema('no_scheduler');
    const quiet = await createApp(s, { jobs: { scheduler: false, connection: undefined } });
    const active = await createApp(s);
    const instances = await quiet.get(JobsService).boss.getInstances();
    expect(instances.filter((i) => i.live).map((i) => i.schedule).sort()).toEqual([false, true]);
    await quiet.close();
    await active.close();
  });
});
