import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineJob, JobHandler, JobsService, OnJobEvent, type Job, type JobEvent } from '../../lib/index.js';
import { createApp, dropSchema, uniqueSchema, waitFor } from '../support/e2e.js';

const Greet = defineJob<{ name: string }>('greet');

@Injectable()
class Greeter {
  greet(name: string) {
    return `hello ${name}`;
  }
}

@Injectable()
class GreetJobs {
  readonly seen: Array<{ id: string; text: string; attempt: number; priority: number; createdOn: Date }> = [];
  constructor(private readonly greeter: Greeter) {}

  @JobHandler(Greet)
  async handle(job: Job<{ name: string }>) {
    this.seen.push({
      id: job.id,
      text: this.greeter.greet(job.data.name),
      attempt: job.attempt,
      priority: job.priority,
      createdOn: job.createdOn,
    });
    return { greeted: job.data.name };
  }

  @OnJobEvent('completed', Greet)
  brokenListener() {
    throw new Error('listener bug');
  }
}

describe('a @JobHandler method', () => {
  const schema = uniqueSchema('handlers');
  const errors: string[] = [];
  const logger = { log() {}, warn() {}, error: (m: string) => void errors.push(m) };
  let app: INestApplicationContext;

  beforeAll(async () => {
    app = await createApp(schema, { providers: [Greeter, GreetJobs], jobs: { logger } });
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('runs with its provider dependencies injected and stores its result', async () => {
    const jobs = app.get(JobsService);
    const events: JobEvent[] = [];
    const sub = jobs.events$.subscribe((e) => events.push(e));
    const id = await jobs.send(Greet, { name: 'Ada' }, { priority: 3 });
    const handler = app.get(GreetJobs);
    const seen = await waitFor(() => handler.seen.find((s) => s.id === id), { message: 'the handler to run' });
    expect(seen.text).toBe('hello Ada');
    expect(seen.attempt).toBe(1);
    expect(seen.priority).toBe(3);
    expect(seen.createdOn).toBeInstanceOf(Date);
    const stored = await waitFor(async () => {
      const job = await jobs.getJob(Greet, id!);
      return job?.state === 'completed' ? job : undefined;
    });
    expect(stored.output).toEqual({ greeted: 'Ada' });
    await waitFor(() => events.some((e) => e.jobId === id && e.type === 'completed'), { message: 'the completed event' });
    expect(events.filter((e) => e.jobId === id).map((e) => e.type)).toEqual(['started', 'completed']);
    // The throwing @OnJobEvent listener was logged and changed nothing for the job.
    await waitFor(() => errors.length > 0, { message: 'the listener error to be logged' });
    expect(errors).toEqual(['@OnJobEvent listener GreetJobs.brokenListener threw: listener bug']);
    sub.unsubscribe();
  });
});
