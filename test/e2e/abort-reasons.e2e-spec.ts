import { Injectable } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { defineJob, JobAbortedError, JobHandler, JobsService, type Job } from '../../lib/index.js';
import { createApp, gate, schemasDroppedAfterAll, untilAborted, waitFor } from '../support/e2e.js';

const Slow = defineJob<{ n: number }>('abort.slow', { expireInSeconds: 1, retryLimit: 0 });
const Long = defineJob<{ n: number }>('abort.long', { retryLimit: 1 });
const Remote = defineJob<{ n: number }>('abort.remote', { heartbeatSeconds: 10, retryLimit: 0 });
const Quick = defineJob<{ n: number }>('abort.quick');

@Injectable()
class AbortJobs {
  readonly started = new Map<string, ReturnType<typeof gate<string>>>();
  readonly reasons = new Map<string, unknown>();
  readonly signals = new Map<string, AbortSignal>();

  startedGate(queue: string) {
    let g = this.started.get(queue);
    if (!g) this.started.set(queue, (g = gate<string>()));
    return g;
  }

  private async waitForAbort(job: Job<{ n: number }>) {
    this.startedGate(job.name).open(job.id);
    this.reasons.set(job.id, await untilAborted(job.signal));
    throw new Error('aborted');
  }

  @JobHandler(Slow)
  slow(job: Job<{ n: number }>) {
    return this.waitForAbort(job);
  }

  @JobHandler(Long)
  long(job: Job<{ n: number }>) {
    return this.waitForAbort(job);
  }

  @JobHandler(Remote, { heartbeatRefreshSeconds: 0.5 })
  remote(job: Job<{ n: number }>) {
    return this.waitForAbort(job);
  }

  @JobHandler(Quick)
  async quick(job: Job<{ n: number }>) {
    this.signals.set(job.id, job.signal);
    return { n: job.data.n };
  }
}

describe("the reason of a job's aborted signal", () => {
  const schema = schemasDroppedAfterAll();

  it("is a JobAbortedError with code 'timeout' when the job runs past its expireInSeconds", async () => {
    const app = await createApp(schema('abort_timeout'), { providers: [AbortJobs] });
    const id = (await app.get(JobsService).send(Slow, { n: 1 }))!;
    const handler = app.get(AbortJobs);
    const reason = await waitFor(() => handler.reasons.get(id), { message: 'the timeout abort', timeoutMs: 15_000 });
    expect(reason).toBeInstanceOf(JobAbortedError);
    expect(reason).toMatchObject({ code: 'timeout', queue: Slow.name, jobId: id, name: 'AbortError' });
    expect((reason as Error).message).toContain('expireInSeconds (1 s)');
    await app.close();
  });

  it("is a JobAbortedError with code 'shutdown' when the app shuts down before the job finished", async () => {
    const app = await createApp(schema('abort_shutdown'), { providers: [AbortJobs], jobs: { shutdownTimeoutMs: 1_000 } });
    const handler = app.get(AbortJobs);
    const id = (await app.get(JobsService).send(Long, { n: 1 }))!;
    expect(await handler.startedGate(Long.name).promise).toBe(id);
    await app.close();
    const reason = await waitFor(() => handler.reasons.get(id), { message: 'the shutdown abort' });
    expect(reason).toBeInstanceOf(JobAbortedError);
    expect(reason).toMatchObject({ code: 'shutdown', queue: Long.name, jobId: id });
  });

  it("is a JobAbortedError with code 'cancelled' when JobsService.cancel cancels the job", async () => {
    const app = await createApp(schema('abort_cancel'), { providers: [AbortJobs] });
    const jobs = app.get(JobsService);
    const handler = app.get(AbortJobs);
    const id = (await jobs.send(Long, { n: 1 }))!;
    expect(await handler.startedGate(Long.name).promise).toBe(id);
    await jobs.cancel(Long, id);
    const reason = await waitFor(() => handler.reasons.get(id), { message: 'the cancel abort' });
    expect(reason).toBeInstanceOf(JobAbortedError);
    expect(reason).toMatchObject({ code: 'cancelled', queue: Long.name, jobId: id });
    await app.close();
  });

  it("is a JobAbortedError with code 'cancelled' when another instance cancels the job (heartbeat)", async () => {
    const s = schema('abort_remote');
    const worker = await createApp(s, { providers: [AbortJobs] });
    const api = await createApp(s, { providers: [AbortJobs], jobs: { workers: false } });
    const id = (await api.get(JobsService).send(Remote, { n: 1 }))!;
    const handler = worker.get(AbortJobs);
    expect(await handler.startedGate(Remote.name).promise).toBe(id);
    await api.get(JobsService).cancel(Remote, id);
    const reason = await waitFor(() => handler.reasons.get(id), { message: 'the heartbeat abort', timeoutMs: 15_000 });
    expect(reason).toBeInstanceOf(JobAbortedError);
    expect(reason).toMatchObject({ code: 'cancelled', queue: Remote.name, jobId: id });
    await api.close();
    await worker.close();
  });

  it('leaves the signal of a job whose handler finished unaborted', async () => {
    const app = await createApp(schema('abort_done'), { providers: [AbortJobs] });
    const jobs = app.get(JobsService);
    const ids = await jobs.sendMany(Quick, [{ data: { n: 1 } }, { data: { n: 2 } }]);
    await waitFor(async () => (await Promise.all(ids.map((id) => jobs.getJob(Quick, id)))).every((j) => j?.state === 'completed'), {
      message: 'both jobs to complete',
    });
    const signals = ids.map((id) => app.get(AbortJobs).signals.get(id));
    expect(signals.map((signal) => signal?.aborted)).toEqual([false, false]);
    await app.close();
  });
});
