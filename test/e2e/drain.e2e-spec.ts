// Issue 15, section 3: drain mode. JobsService.drain on an instance with workers: false processes what
// is due, then stops, and never leaves a claimed job behind. Against a real server.
import { Injectable } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import {
  defineJob,
  JobAbortedError,
  JobHandler,
  JobsConfigurationError,
  JobsService,
  JobValidationError,
  type Job,
} from '../../lib/index.js';
import { createApp, schemasDroppedAfterAll, sql, untilAborted } from '../support/e2e.js';

const ExportReport = defineJob<{ n: number; fail?: boolean }>('export-report', { retryLimit: 2 });
const Stuck = defineJob<{ n: number }>('stuck-export', { retryLimit: 1 });
const Elsewhere = defineJob<{ n: number }>('no-handler-here');

const ran: number[] = [];
const abortReasons: unknown[] = [];

@Injectable()
class ExportJobs {
  @JobHandler(ExportReport, { concurrency: 2 })
  async export(job: Job<{ n: number; fail?: boolean }>) {
    ran.push(job.data.n);
    if (job.data.fail) throw new Error(`export ${job.data.n} failed`);
  }

  /** Never finishes on its own, and ignores its signal: the drain must fail it back. */
  @JobHandler(Stuck)
  async stuck(job: Job<{ n: number }>) {
    abortReasons.push(await untilAborted(job.signal));
    await new Promise(() => undefined);
  }
}

const states = (schema: string, queue: string) =>
  sql<{ state: string; n: number }>(`SELECT state::text, count(*)::int AS n FROM "${schema}".job WHERE name = $1 GROUP BY state ORDER BY state`, [queue]);

describe('JobsService.drain: process what is due, then stop', () => {
  const schemas = schemasDroppedAfterAll();

  it('runs every due job once and stops when nothing is due; a delayed job waits; no loop and no claimed job is left', async () => {
    const schema = schemas('drain_idle');
    const app = await createApp(schema, { providers: [ExportJobs], jobs: { workers: false } });
    const jobs = app.get(JobsService);
    ran.length = 0;
    await jobs.sendMany(ExportReport, Array.from({ length: 10 }, (_, n) => ({ data: { n } })));
    await jobs.send(ExportReport, { n: 99 }, { startAfter: 3600 });
    const result = await jobs.drain([ExportReport]);
    expect(result).toEqual({ started: 10, completed: 10, failed: 0, stoppedBy: 'idle' });
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, n) => n));
    expect(await states(schema, 'export-report')).toEqual([
      { state: 'completed', n: 10 },
      { state: 'created', n: 1 },
    ]);
    expect(jobs.boss.getWipData().filter((loop) => loop.name === 'export-report')).toEqual([]);
    await app.close();
  });

  it('stops fetching at maxJobs: the jobs it started are recorded, the rest wait', async () => {
    const schema = schemas('drain_max');
    const app = await createApp(schema, { providers: [ExportJobs], jobs: { workers: false } });
    const jobs = app.get(JobsService);
    await jobs.sendMany(ExportReport, Array.from({ length: 10 }, (_, n) => ({ data: { n } })));
    const result = await jobs.drain([ExportReport], { maxJobs: 3 });
    expect(result.stoppedBy).toBe('maxJobs');
    // Two slots: the other slot may have fetched one more while the third started.
    expect(result.started).toBeGreaterThanOrEqual(3);
    expect(result.started).toBeLessThanOrEqual(4);
    expect(result.completed).toBe(result.started);
    expect(await states(schema, 'export-report')).toEqual([
      { state: 'completed', n: result.started },
      { state: 'created', n: 10 - result.started },
    ]);
    await app.close();
  });

  it('counts failed attempts; a failed job waits for its retry', async () => {
    const schema = schemas('drain_fail');
    const app = await createApp(schema, { providers: [ExportJobs], jobs: { workers: false } });
    const jobs = app.get(JobsService);
    await jobs.send(ExportReport, { n: 1, fail: true }, { retryDelay: 3600 });
    await jobs.send(ExportReport, { n: 2 });
    expect(await jobs.drain([ExportReport])).toEqual({ started: 2, completed: 1, failed: 1, stoppedBy: 'idle' });
    expect(await states(schema, 'export-report')).toEqual([
      { state: 'completed', n: 1 },
      { state: 'retry', n: 1 },
    ]);
    await app.close();
  });

  it('at maxSeconds, aborts a job still running after the grace and fails it back to retry', async () => {
    const schema = schemas('drain_deadline');
    const app = await createApp(schema, { providers: [ExportJobs], jobs: { workers: false, shutdownTimeoutMs: 300 } });
    const jobs = app.get(JobsService);
    const id = (await jobs.send(Stuck, { n: 1 }))!;
    const started = Date.now();
    const result = await jobs.drain([Stuck], { maxSeconds: 1 });
    expect(result).toEqual({ started: 1, completed: 0, failed: 1, stoppedBy: 'maxSeconds' });
    // 1 s, the 0.3 s grace, then the runner stops waiting for a handler that ignores its signal (2 s).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(abortReasons).toHaveLength(1);
    expect(abortReasons[0]).toBeInstanceOf(JobAbortedError);
    expect(abortReasons[0]).toMatchObject({ code: 'shutdown', jobId: id });
    expect((await jobs.getJob(Stuck, id))?.state).toBe('retry');
    await app.close();
  });

  it('refuses queues whose workers run here, queues without a handler, and bad limits', async () => {
    const schema = schemas('drain_refuse');
    const working = await createApp(schema, { providers: [ExportJobs] });
    await expect(working.get(JobsService).drain([ExportReport])).rejects.toThrow(JobsConfigurationError);
    await expect(working.get(JobsService).drain([ExportReport])).rejects.toThrow(/already runs workers for "export-report"/);
    await working.close();
    const app = await createApp(schema, { providers: [ExportJobs], jobs: { workers: false, queues: [Elsewhere] } });
    const jobs = app.get(JobsService);
    await expect(jobs.drain([Elsewhere])).rejects.toThrow(/no handler for "no-handler-here" in this app/);
    await expect(jobs.drain([])).rejects.toThrow(/takes a non-empty array/);
    await expect(jobs.drain([ExportReport, 'export-report'])).rejects.toThrow(/"export-report" is listed twice/);
    await expect(jobs.drain([ExportReport], { maxJobs: 0 })).rejects.toThrow(JobValidationError);
    await expect(jobs.drain([ExportReport], { maxSeconds: -1 })).rejects.toThrow(/maxSeconds must be a number of seconds above 0/);
    await expect(jobs.drain([ExportReport], { max: 1 } as never)).rejects.toThrow(/unknown option "max" \(known: maxJobs, maxSeconds\)/);
    await app.close();
  });
});
