import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineJob, flowStep, JobHandler, JobsService, JobValidationError, type Job } from '../../lib/index.js';
import { createApp, databaseUrl, dropSchema, gate, sql, uniqueSchema, waitFor } from '../support/e2e.js';
import { z } from 'zod';

const Resize = defineJob<{ imageId: string; width: number; fail?: boolean }>('flow-resize', { retryLimit: 0 });
const Publish = defineJob<{ imageId: string }>('flow-publish');
const Strict = defineJob('flow-strict', { schema: z.object({ imageId: z.string().min(1) }) });

@Injectable()
class FlowJobs {
  readonly events: string[] = [];
  readonly release = new Map<string, ReturnType<typeof gate<void>>>();

  @JobHandler(Resize, { concurrency: 2 })
  async resize(job: Job<{ imageId: string; width: number; fail?: boolean }>) {
    const { imageId, width, fail } = job.data;
    this.events.push(`resize ${imageId} ${width} started`);
    await this.release.get(imageId)?.promise;
    if (fail && job.attempt === 1) throw new Error(`resize ${width} failed`);
    this.events.push(`resize ${imageId} ${width} done`);
  }

  @JobHandler(Publish)
  async publish(job: Job<{ imageId: string }>) {
    this.events.push(`publish ${job.data.imageId}`);
  }

  @JobHandler(Strict)
  async strict() {}
}

describe('Flows (jobs that depend on other jobs)', () => {
  const schema = uniqueSchema('flows');
  let app: INestApplicationContext;
  let jobs: JobsService;
  let handler: FlowJobs;

  beforeAll(async () => {
    app = await createApp(schema, {
      providers: [FlowJobs],
      // pg-boss resolves dependencies in a background pass every flowIntervalSeconds (default 5).
      jobs: { connectionString: undefined, connection: { connectionString: databaseUrl(), flowIntervalSeconds: 1 } },
    });
    jobs = app.get(JobsService);
    handler = app.get(FlowJobs);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('runs the parent only after all its children have completed', async () => {
    const release = gate();
    handler.release.set('img-1', release);
    const ids = await jobs.flow([
      flowStep('small', Resize, { imageId: 'img-1', width: 64 }),
      flowStep('large', Resize, { imageId: 'img-1', width: 1024 }),
      flowStep('publish', Publish, { imageId: 'img-1' }, { dependsOn: ['small', 'large'] }),
    ]);
    expect(Object.keys(ids).sort()).toEqual(['large', 'publish', 'small']);

    // Both children are running and held: the parent is still waiting in the queue.
    await waitFor(() => handler.events.filter((e) => e.startsWith('resize img-1')).length === 2, {
      message: 'both children started',
    });
    expect((await jobs.getJob(Publish, ids.publish!))?.state).toBe('created');
    expect(handler.events).not.toContain('publish img-1');

    release.open();
    await waitFor(async () => (await jobs.getJob(Publish, ids.publish!))?.state === 'completed', {
      message: 'the parent completed',
    });
    const events = handler.events.filter((e) => e.includes('img-1'));
    const publishAt = events.indexOf('publish img-1');
    expect(publishAt).toBeGreaterThan(events.indexOf('resize img-1 64 done'));
    expect(publishAt).toBeGreaterThan(events.indexOf('resize img-1 1024 done'));
  });

  it('leaves the parent waiting when a child fails, and lets it run once the child is retried', async () => {
    const ids = await jobs.flow([
      flowStep('ok', Resize, { imageId: 'img-2', width: 64 }),
      flowStep('broken', Resize, { imageId: 'img-2', width: 1024, fail: true }),
      flowStep('publish', Publish, { imageId: 'img-2' }, { dependsOn: ['ok', 'broken'] }),
    ]);
    await waitFor(async () => (await jobs.getJob(Resize, ids.broken!))?.state === 'failed', {
      message: 'the broken child failed',
    });
    await waitFor(async () => (await jobs.getJob(Resize, ids.ok!))?.state === 'completed', {
      message: 'the other child completed',
    });
    // Proof the parent's queue is being worked and the parent skipped: a free job on the same
    // queue, sent after the failure and after a dependency pass, completes while the parent waits.
    await app.get(JobsService).boss.resolveFlow();
    const probe = await jobs.send(Publish, { imageId: 'probe' });
    await waitFor(async () => (await jobs.getJob(Publish, probe!))?.state === 'completed', { message: 'the probe job' });
    expect((await jobs.getJob(Publish, ids.publish!))?.state).toBe('created');
    expect(handler.events).not.toContain('publish img-2');

    await jobs.retry(Resize, ids.broken!);
    await waitFor(async () => (await jobs.getJob(Publish, ids.publish!))?.state === 'completed', {
      message: 'the parent completed after the retry',
    });
  });

  it('validates every step before writing anything', async () => {
    const before = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".job WHERE name = 'flow-publish'`);
    await expect(
      jobs.flow([
        flowStep('ok', Publish, { imageId: 'img-3' }),
        flowStep('bad', Strict, { imageId: '' }, { dependsOn: ['ok'] }),
      ]),
    ).rejects.toBeInstanceOf(JobValidationError);
    const after = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".job WHERE name = 'flow-publish'`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});
