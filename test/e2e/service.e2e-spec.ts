import { Inject, Injectable, Scope, type INestApplicationContext } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, type Job } from '../../lib/index.js';
import { createApp, dropSchema, gate, uniqueSchema, untilAborted, waitFor } from '../support/e2e.js';

const Scoped = defineJob<{ n: number }>('scoped');
const Cancellable = defineJob<{ n: number }>('cancellable', { retryLimit: 0 });
const Digest = defineJob<{ user: string }>('digest');
const Fragile = defineJob<{ n: number }>('fragile', { retryLimit: 0 });
// pg-boss dedupes on singletonKey alone only under a policy other than standard.
const Capture = defineJob<{ orderId: string }>('capture', { policy: 'short' });

@Injectable({ scope: Scope.REQUEST })
class ScopedJobs {
  static instances = new Set<ScopedJobs>();
  static seen: Array<{ n: number; requestId: string }> = [];
  constructor(@Inject(REQUEST) private readonly request: Job<{ n: number }>) {
    ScopedJobs.instances.add(this);
  }

  @JobHandler(Scoped, { concurrency: 2 })
  async run(job: Job<{ n: number }>) {
    ScopedJobs.seen.push({ n: job.data.n, requestId: this.request.id });
  }
}

const Transient = defineJob<{ n: number }>('transient');

@Injectable({ scope: Scope.TRANSIENT })
class TransientJobs {
  static instances = new Set<TransientJobs>();
  static handledBy: TransientJobs[] = [];
  constructor() {
    TransientJobs.instances.add(this);
  }

  @JobHandler(Transient)
  async run() {
    TransientJobs.handledBy.push(this);
  }
}

@Injectable()
class CancelJobs {
  readonly started = gate<string>();
  readonly aborted = gate<unknown>();

  @JobHandler(Cancellable)
  async run(job: Job<{ n: number }>) {
    this.started.open(job.id);
    this.aborted.open(await untilAborted(job.signal));
  }

  @JobHandler(Digest)
  async digest() {}

  @JobHandler(Capture)
  async capture() {}

  failNext = false;
  readonly fragileAttempts: number[] = [];
  @JobHandler(Fragile)
  async fragile(job: Job<{ n: number }>) {
    this.fragileAttempts.push(job.attempt);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('first run fails');
    }
  }
}

describe('JobsService and provider scopes', () => {
  const schema = uniqueSchema('service');
  let app: INestApplicationContext;
  let jobs: JobsService;

  beforeAll(async () => {
    app = await createApp(schema, { providers: [ScopedJobs, TransientJobs, CancelJobs] });
    jobs = app.get(JobsService);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('gives a request-scoped handler a fresh instance per job, with the job as REQUEST', async () => {
    const ids = await jobs.sendMany(Scoped, [{ data: { n: 1 } }, { data: { n: 2 } }, { data: { n: 3 } }]);
    await waitFor(() => ScopedJobs.seen.length === 3, { message: 'three scoped jobs' });
    expect(ScopedJobs.instances.size).toBeGreaterThanOrEqual(3);
    expect(ScopedJobs.seen.map((s) => s.requestId).sort()).toEqual([...ids].sort());
  });

  it('gives a transient handler a fresh instance per job', async () => {
    await jobs.sendMany(Transient, [{ data: { n: 1 } }, { data: { n: 2 } }]);
    await waitFor(() => TransientJobs.handledBy.length === 2, { message: 'two transient jobs' });
    const [first, second] = TransientJobs.handledBy;
    expect(first).not.toBe(second);
  });

  it('aborts the signal of a job running in this instance when it is cancelled', async () => {
    const handler = app.get(CancelJobs);
    const id = await jobs.send(Cancellable, { n: 1 });
    expect(await handler.started.promise).toBe(id);
    await jobs.cancel(Cancellable, id!);
    const reason = await handler.aborted.promise;
    expect(String(reason)).toContain(`job ${id} was cancelled`);
    expect((await jobs.getJob(Cancellable, id!))?.state).toBe('cancelled');
  });

  it('throttles: one job per period and key, extra sends return null', async () => {
    const first = await jobs.send(Digest, { user: 'ada' }, { throttle: { seconds: 60, key: 'ada' }, startAfter: 120 });
    const second = await jobs.send(Digest, { user: 'ada' }, { throttle: { seconds: 60, key: 'ada' }, startAfter: 120 });
    const other = await jobs.send(Digest, { user: 'bob' }, { throttle: { seconds: 60, key: 'bob' }, startAfter: 120 });
    expect(first).toEqual(expect.any(String));
    expect(second).toBeNull();
    expect(other).toEqual(expect.any(String));
  });

  it('debounces: a send inside the period is deferred to the next slot instead of dropped', async () => {
    const first = await jobs.send(Digest, { user: 'cy' }, { debounce: { seconds: 60, key: 'cy' } });
    const second = await jobs.send(Digest, { user: 'cy' }, { debounce: { seconds: 60, key: 'cy' } });
    expect(first).toEqual(expect.any(String));
    expect(second).toEqual(expect.any(String));
    const deferred = await jobs.getJob(Digest, second!);
    expect(deferred!.startAfter.getTime()).toBeGreaterThan(Date.now());
  });

  it('keeps one queued job per singletonKey on a queue with the short policy', async () => {
    const a = await jobs.send(Capture, { orderId: 'o-1' }, { singletonKey: 'capture:o-1', startAfter: 300 });
    const b = await jobs.send(Capture, { orderId: 'o-1' }, { singletonKey: 'capture:o-1', startAfter: 300 });
    const c = await jobs.send(Capture, { orderId: 'o-2' }, { singletonKey: 'capture:o-2', startAfter: 300 });
    expect(a).toEqual(expect.any(String));
    expect(b).toBeNull();
    expect(c).toEqual(expect.any(String));
    expect(await jobs.findJobs(Capture, { key: 'capture:o-1' })).toHaveLength(1);
  });

  it('resumes a cancelled job and retries a failed one', async () => {
    const delayed = await jobs.send(Digest, { user: 'eve' }, { startAfter: 600 });
    await jobs.cancel(Digest, delayed!);
    expect((await jobs.getJob(Digest, delayed!))?.state).toBe('cancelled');
    await jobs.resume(Digest, delayed!);
    expect((await jobs.getJob(Digest, delayed!))?.state).toBe('created');

    const handler = app.get(CancelJobs);
    handler.failNext = true;
    const failing = await jobs.send(Fragile, { n: 1 });
    await waitFor(async () => (await jobs.getJob(Fragile, failing!))?.state === 'failed', { message: 'the failure' });
    await jobs.retry(Fragile, failing!);
    await waitFor(async () => (await jobs.getJob(Fragile, failing!))?.state === 'completed', {
      message: 'the retried job to complete',
    });
    expect(handler.fragileAttempts).toEqual([1, 2]);
  });

  it('does not dedupe on singletonKey alone on a standard queue (pg-boss semantics)', async () => {
    const a = await jobs.send(Digest, { user: 'dee' }, { singletonKey: 'k', startAfter: 300 });
    const b = await jobs.send(Digest, { user: 'dee' }, { singletonKey: 'k', startAfter: 300 });
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
  });
});

describe('cancellation across instances', () => {
  const schema = uniqueSchema('cancel_remote');
  // heartbeatSeconds lets pg-boss notice, at the next heartbeat, that another instance cancelled a job.
  const Remote = defineJob<{ n: number }>('remote', { heartbeatSeconds: 10, retryLimit: 0 });

  @Injectable()
  class RemoteJobs {
    readonly started = gate<string>();
    readonly aborted = gate<unknown>();
    @JobHandler(Remote, { heartbeatRefreshSeconds: 0.5 })
    async run(job: Job<{ n: number }>) {
      this.started.open(job.id);
      this.aborted.open(await untilAborted(job.signal));
    }
  }

  afterAll(() => dropSchema(schema));

  it('aborts the signal in the instance running the job when another instance cancels it', async () => {
    const worker = await createApp(schema, { providers: [RemoteJobs] });
    const api = await createApp(schema, { providers: [RemoteJobs], jobs: { workers: false } });
    const id = await api.get(JobsService).send(Remote, { n: 1 });
    expect(await worker.get(RemoteJobs).started.promise).toBe(id);
    await api.get(JobsService).cancel(Remote, id!);
    await worker.get(RemoteJobs).aborted.promise;
    expect((await api.get(JobsService).getJob(Remote, id!))?.state).toBe('cancelled');
    await api.close();
    await worker.close();
  });
});
