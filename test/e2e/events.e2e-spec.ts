import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  defineJob,
  JobHandler,
  JobsService,
  OnJobEvent,
  type BatchJobResult,
  type Job,
  type JobEvent,
} from '../../lib/index.js';
import { createApp, dropSchema, gate, uniqueSchema, untilAborted, waitFor } from '../support/e2e.js';

const Square = defineJob<{ n: number }>('events.square');
const Sum = defineJob<{ n: number }>('events.sum');
// retryDelay: the retry waits long enough for the listeners to read the job in state `retry`.
const Flaky = defineJob<{ n: number }>('events.flaky', { retryLimit: 1, retryDelay: 3, deadLetter: 'events.flaky.dead' });
const Hang = defineJob<{ n: number }>('events.hang', { expireInSeconds: 1, retryLimit: 1, retryDelay: 60 });
const Stoppable = defineJob<{ n: number }>('events.stoppable', { retryLimit: 3 });
// localGroupConcurrency: the handler's slots share one pg-boss work() call (a WorkerPool).
const Grouped = defineJob<{ n: number }>('events.grouped');

/** What a listener saw when it read its job back from the database. */
interface Seen {
  event: JobEvent;
  state: string | undefined;
  output: unknown;
  deadLetters?: number;
}

@Injectable()
class EventJobs {
  readonly seen: Seen[] = [];
  readonly stoppableStarted = gate<string>();

  constructor(private readonly jobs: JobsService) {}

  @JobHandler(Square)
  async square(job: Job<{ n: number }>) {
    return { square: job.data.n * job.data.n };
  }

  @JobHandler(Sum, { batchSize: 10 })
  async sum(jobs: Job<{ n: number }>[]): Promise<BatchJobResult[]> {
    return jobs.map((job) => ({ id: job.id, status: 'completed', output: { double: job.data.n * 2 } }));
  }

  @JobHandler(Grouped, { concurrency: 4, localGroupConcurrency: 2 })
  async grouped(job: Job<{ n: number }>) {
    return { triple: job.data.n * 3 };
  }

  @JobHandler(Flaky)
  async flaky(job: Job<{ n: number }>) {
    throw new Error(`flaky ${job.data.n} failed on attempt ${job.attempt}`);
  }

  @JobHandler(Hang)
  async hang(job: Job<{ n: number }>) {
    await untilAborted(job.signal);
    throw new Error('gave up at the timeout');
  }

  @JobHandler(Stoppable)
  async stoppable(job: Job<{ n: number }>) {
    this.stoppableStarted.open(job.id);
    await untilAborted(job.signal);
    throw new Error('stopped');
  }

  @OnJobEvent('completed')
  async onCompleted(event: JobEvent) {
    await this.record(event);
  }

  @OnJobEvent('failed')
  async onFailed(event: JobEvent) {
    await this.record(event);
  }

  @OnJobEvent('retried')
  async onRetried(event: JobEvent) {
    await this.record(event);
  }

  @OnJobEvent('dead-lettered')
  async onDeadLettered(event: JobEvent) {
    const dead = await this.jobs.getDeadLetters(Flaky);
    await this.record(event, dead.filter((job) => job.sourceId === event.jobId).length);
  }

  private async record(event: JobEvent, deadLetters?: number) {
    const job = await this.jobs.getJob(event.queue, event.jobId);
    this.seen.push({ event, state: job?.state, output: job?.output, ...(deadLetters === undefined ? {} : { deadLetters }) });
  }

  of(id: string, type?: JobEvent['type']): Seen[] {
    return this.seen.filter((s) => s.event.jobId === id && (type === undefined || s.event.type === type));
  }
}

describe('job events fire once pg-boss has recorded the outcome', () => {
  const schema = uniqueSchema('events');
  let app: INestApplicationContext;
  let jobs: JobsService;
  let handler: EventJobs;

  beforeAll(async () => {
    app = await createApp(schema, { providers: [EventJobs] });
    jobs = app.get(JobsService);
    handler = app.get(EventJobs);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('lets a `completed` listener read the job as completed, with the output the event carries', async () => {
    // Many quick jobs: the slot fetches them in batches, on two loops, as under load.
    const ids = await jobs.sendMany(Square, Array.from({ length: 200 }, (_, n) => ({ data: { n } })));
    await waitFor(() => ids.every((id) => handler.of(id, 'completed').length === 1), {
      message: '200 completed listeners',
    });
    for (const [n, id] of ids.entries()) {
      const [seen] = handler.of(id, 'completed');
      expect({ state: seen!.state, output: seen!.output, event: seen!.event.output }).toEqual({
        state: 'completed',
        output: { square: n * n },
        event: { square: n * n },
      });
    }
  });

  it('lets a listener of an events$ subscription read the completed job', async () => {
    const reads: Array<string | undefined> = [];
    const sub = jobs.events$.subscribe((event) => {
      if (event.type !== 'completed' || event.queue !== Square.name) return;
      void jobs.getJob(Square, event.jobId).then((job) => reads.push(job?.state));
    });
    await jobs.sendMany(Square, Array.from({ length: 50 }, (_, n) => ({ data: { n } })));
    await waitFor(() => reads.length === 50, { message: '50 reads from events$' });
    sub.unsubscribe();
    expect(reads.filter((state) => state !== 'completed')).toEqual([]);
  });

  it('lets a `completed` listener of a localGroupConcurrency handler (its slots in one pg-boss call) read the completed job', async () => {
    const ids = await Promise.all(
      Array.from({ length: 60 }, (_, n) => jobs.send(Grouped, { n }, { group: { id: `g${n % 3}` } }) as Promise<string>),
    );
    await waitFor(() => ids.every((id) => handler.of(id, 'completed').length === 1), { message: '60 completed listeners' });
    for (const [n, id] of ids.entries()) {
      const [seen] = handler.of(id, 'completed');
      expect([seen!.state, seen!.output, seen!.event.output]).toEqual(['completed', { triple: n * 3 }, { triple: n * 3 }]);
    }
  });

  it('carries the output of a batch handler result and lets its listener read it', async () => {
    const ids = await jobs.sendMany(Sum, Array.from({ length: 30 }, (_, n) => ({ data: { n } })));
    await waitFor(() => ids.every((id) => handler.of(id, 'completed').length === 1), { message: '30 completed listeners' });
    for (const [n, id] of ids.entries()) {
      const [seen] = handler.of(id, 'completed');
      expect([seen!.state, seen!.output, seen!.event.output]).toEqual(['completed', { double: n * 2 }, { double: n * 2 }]);
    }
  });

  it('lets `failed`, `retried` and `dead-lettered` listeners read the state pg-boss recorded', async () => {
    const id = (await jobs.send(Flaky, { n: 1 }))!;
    await waitFor(() => handler.of(id, 'dead-lettered').length === 1, { message: 'the dead-lettered listener' });
    await waitFor(() => handler.of(id, 'failed').length === 2, { message: 'two failed listeners' });
    const [retried] = handler.of(id, 'retried');
    const [firstFailure, lastFailure] = handler.of(id, 'failed').sort((a, b) => a.event.attempt - b.event.attempt);
    const [dead] = handler.of(id, 'dead-lettered');
    // After the first attempt the job waits for its retry; after the last it has failed for good.
    expect(firstFailure!.state).toBe('retry');
    expect(retried!.state).toBe('retry');
    expect(lastFailure!.state).toBe('failed');
    expect(lastFailure!.output).toMatchObject({ message: 'flaky 1 failed on attempt 2' });
    expect(dead!.state).toBe('failed');
    expect(dead!.deadLetters).toBe(1);
  });

  it('fires `failed` and `retried` for a timed-out job once pg-boss has failed it', async () => {
    const id = (await jobs.send(Hang, { n: 1 }))!;
    await waitFor(() => handler.of(id).length === 2, { message: 'the failed and retried listeners', timeoutMs: 15_000 });
    expect(handler.of(id).map((s) => `${s.event.type}: ${s.state}`).sort()).toEqual(['failed: retry', 'retried: retry']);
  });

  it('fires `failed` alone for a cancelled job, which stays cancelled', async () => {
    const events: JobEvent[] = [];
    const sub = jobs.events$.subscribe((event) => events.push(event));
    const id = (await jobs.send(Stoppable, { n: 1 }))!;
    expect(await handler.stoppableStarted.promise).toBe(id);
    await jobs.cancel(Stoppable, id);
    await waitFor(() => handler.of(id, 'failed').length === 1, { message: 'the failed listener' });
    sub.unsubscribe();
    expect(handler.of(id, 'failed')[0]!.state).toBe('cancelled');
    // The outcome events of a job are emitted together: a `retried` would have come with `failed`.
    expect(events.filter((e) => e.jobId === id).map((e) => e.type)).toEqual(['started', 'failed']);
  });
});
