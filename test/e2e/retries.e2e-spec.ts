import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, OnJobEvent, type Job, type JobEvent } from '../../lib/index.js';
import { createApp, dropSchema, uniqueSchema, untilAborted, waitFor } from '../support/e2e.js';

const Flaky = defineJob<{ key: string }>('flaky', {
  retryLimit: 2,
  retryDelay: 1,
  retryBackoff: true,
  deadLetter: 'flaky.dead',
});
const Slow = defineJob<{ key: string }>('slow', { expireInSeconds: 1, retryLimit: 1, retryDelay: 0 });

@Injectable()
class FlakyJobs {
  readonly attempts = new Map<string, Array<{ attempt: number; at: number }>>();
  readonly healthy = new Set<string>();
  readonly aborted: Array<{ key: string; attempt: number; reason: unknown }> = [];
  readonly deadLettered: JobEvent[] = [];

  @JobHandler(Flaky)
  async flaky(job: Job<{ key: string }>) {
    const list = this.attempts.get(job.data.key) ?? [];
    list.push({ attempt: job.attempt, at: Date.now() });
    this.attempts.set(job.data.key, list);
    if (!this.healthy.has(job.data.key)) throw new Error(`gateway down for ${job.data.key}`);
    return { ok: true };
  }

  @JobHandler(Slow)
  async slow(job: Job<{ key: string }>) {
    if (job.attempt === 1) {
      // Never resolves on its own: only the timeout's abort signal ends it.
      const reason = await untilAborted(job.signal);
      this.aborted.push({ key: job.data.key, attempt: job.attempt, reason });
      throw new Error('aborted');
    }
    return { attempt: job.attempt };
  }

  @OnJobEvent('dead-lettered', Flaky)
  onDead(event: JobEvent) {
    this.deadLettered.push(event);
  }
}

describe('retries, dead letters and timeouts', () => {
  const schema = uniqueSchema('retries');
  let app: INestApplicationContext;
  let jobs: JobsService;
  let handler: FlakyJobs;

  beforeAll(async () => {
    app = await createApp(schema, { providers: [FlakyJobs] });
    jobs = app.get(JobsService);
    handler = app.get(FlakyJobs);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('retries a failing job with exponential backoff, then moves it to the dead-letter queue', async () => {
    const events: JobEvent[] = [];
    const sub = jobs.events$.subscribe((e) => events.push(e));
    const id = await jobs.send(Flaky, { key: 'a' });
    const dead = await waitFor(
      async () => (await jobs.getDeadLetters(Flaky)).find((j) => j.sourceId === id),
      { message: 'the job to reach flaky.dead', timeoutMs: 30_000 },
    );
    // Outcome events fire once pg-boss has recorded the outcome, so just after the database shows it.
    await waitFor(() => events.some((e) => e.jobId === id && e.type === 'dead-lettered'), { message: 'the dead-lettered event' });
    sub.unsubscribe();
    const attempts = handler.attempts.get('a')!;
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    // pg-boss backoff: retryDelay * (2^n/2 + 2^n/2 * random) → 1–2 s, then 2–4 s.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(1950);
    expect(dead.data).toEqual({ key: 'a' });
    expect(dead.sourceName).toBe('flaky');
    const original = await jobs.getJob(Flaky, id!);
    expect(original?.state).toBe('failed');
    expect(original?.output).toMatchObject({ message: 'gateway down for a', name: 'Error' });
    const types = events.filter((e) => e.jobId === id).map((e) => e.type);
    expect(types).toEqual([
      'started', 'failed', 'retried',
      'started', 'failed', 'retried',
      'started', 'failed', 'dead-lettered',
    ]);
    await waitFor(() => handler.deadLettered.find((e) => e.jobId === id), { message: '@OnJobEvent listener' });
  });

  it('redrives a dead-lettered job back to its queue, where it runs again', async () => {
    const id = await jobs.send(Flaky, { key: 'b' });
    await waitFor(async () => (await jobs.getDeadLetters(Flaky)).find((j) => j.sourceId === id), {
      message: 'the job to reach flaky.dead',
      timeoutMs: 30_000,
    });
    handler.healthy.add('b');
    const moved = await jobs.redrive(Flaky, { data: { key: 'b' } });
    expect(moved).toBe(1);
    await waitFor(async () => {
      const done = await jobs.findJobs(Flaky, { data: { key: 'b' } });
      return done.some((j) => j.state === 'completed');
    }, { message: 'the redriven job to complete' });
    expect(await jobs.getDeadLetters(Flaky, { data: { key: 'b' } })).toHaveLength(0);
  });

  it('aborts the job signal when the job times out, and retries it', async () => {
    const id = await jobs.send(Slow, { key: 'slow-1' });
    const done = await waitFor(async () => {
      const job = await jobs.getJob(Slow, id!);
      return job?.state === 'completed' ? job : undefined;
    }, { message: 'the timed-out job to complete on retry', timeoutMs: 20_000 });
    expect(handler.aborted).toEqual([expect.objectContaining({ key: 'slow-1', attempt: 1 })]);
    expect(done.output).toEqual({ attempt: 2 });
  });
});
