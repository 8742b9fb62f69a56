import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineJob, JobsService, JobValidationError } from '../../lib/index.js';
import { createApp, dropSchema, sql, uniqueSchema } from '../support/e2e.js';

// The differences docs/from-bullmq.md warns about, each checked as the guide states it. No worker
// runs: jobs are fetched and failed through pg-boss directly, so the order and the states seen are
// the database's.
const Prio = defineJob<{ bull: string }>('bull-prio');
const Delayed = defineJob<{ n: number }>('bull-delayed');
const Keyed = defineJob<{ orderId: string }>('bull-keyed');
const KeyedShort = defineJob<{ orderId: string }>('bull-keyed-short', { policy: 'short' });
const Charge = defineJob<{ orderId: string }>('bull-charge', { retryLimit: 0, deadLetter: 'bull-charge.dead' });

describe('docs/from-bullmq.md', () => {
  const schema = uniqueSchema('frombull');
  let app: INestApplicationContext;
  let jobs: JobsService;

  beforeAll(async () => {
    app = await createApp(schema, { jobs: { workers: false, queues: [Prio, Delayed, Keyed, KeyedShort, Charge] } });
    jobs = app.get(JobsService);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('runs the higher priority first, and 0 (the default) before negative ones: Bull priority p becomes -p', async () => {
    // Sent lowest first, so creation order alone would give the opposite.
    for (const [bull, priority] of [['p5', -5], ['p1', -1], ['none', 0], ['urgent', 10]] as const) {
      await jobs.send(Prio, { bull }, { priority });
    }
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [job] = await jobs.boss.fetch<{ bull: string }>(Prio.name);
      order.push(job!.data.bull);
    }
    expect(order).toEqual(['urgent', 'none', 'p1', 'p5']);
  });

  it('reads startAfter: 3000 as 3000 seconds (50 minutes), not Bull delay milliseconds', async () => {
    const id = await jobs.send(Delayed, { n: 1 }, { startAfter: 3000 });
    const job = await jobs.getJob(Delayed, id!);
    const seconds = (job!.startAfter.getTime() - job!.createdOn.getTime()) / 1000;
    expect(seconds).toBeGreaterThan(2995);
    expect(seconds).toBeLessThan(3005);
  });

  it('refuses a Bull-style job id before anything is written, and takes a uuid', async () => {
    await expect(jobs.send(Delayed, { n: 2 }, { id: 'order-42' })).rejects.toThrow(JobValidationError);
    await expect(jobs.send(Delayed, { n: 2 }, { id: 'order-42' })).rejects.toThrow('id must be a uuid');
    expect(await sql(`SELECT 1 FROM "${schema}".job WHERE name = $1 AND data->>'n' = '2'`, [Delayed.name])).toEqual([]);
    const id = randomUUID();
    expect(await jobs.send(Delayed, { n: 3 }, { id })).toBe(id);
  });

  it('dedupes on singletonKey in a short-policy queue, not in a standard one', async () => {
    const key = { singletonKey: 'capture:o-1' };
    const standard = [await jobs.send(Keyed, { orderId: 'o-1' }, key), await jobs.send(Keyed, { orderId: 'o-1' }, key)];
    expect(standard.every((id) => typeof id === 'string')).toBe(true);
    expect(standard[0]).not.toBe(standard[1]);
    expect(await jobs.send(KeyedShort, { orderId: 'o-1' }, key)).toEqual(expect.any(String));
    expect(await jobs.send(KeyedShort, { orderId: 'o-1' }, key)).toBeNull();
  });

  it('redrives a dead-lettered job under a new id and leaves the original failed', async () => {
    const original = await jobs.send(Charge, { orderId: 'o-9' });
    const [fetched] = await jobs.boss.fetch(Charge.name);
    expect(fetched!.id).toBe(original);
    await jobs.boss.fail(Charge.name, original!);
    expect(await jobs.getDeadLetters(Charge)).toHaveLength(1);

    expect(await jobs.redrive(Charge)).toBe(1);

    expect((await jobs.getJob(Charge, original!))!.state).toBe('failed');
    const all = await jobs.findJobs(Charge, { data: { orderId: 'o-9' } });
    const redriven = all.filter((job) => job.id !== original);
    expect(redriven).toHaveLength(1);
    expect(redriven[0]!.state).toBe('created');
    expect(await jobs.getDeadLetters(Charge)).toHaveLength(0);
  });
});
