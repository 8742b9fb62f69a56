import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { z } from 'zod';
import { defineJob, fromPg, JobsService, JobValidationError } from '../../lib/index.js';
import { SendCoalescer } from '../../lib/backend/pg-boss/send.coalescer.js';
import { createApp, databaseUrl, schemasDroppedAfterAll, sql } from '../support/e2e.js';

const Plain = defineJob<{ n: number }>('plain');
const Validated = defineJob('validated', { schema: z.object({ n: z.number().int().min(0) }) });
const Short = defineJob<{ n: number }>('short', { policy: 'short' });
const Throttled = defineJob<{ n: number }>('throttled');

describe('concurrent sends share one INSERT', () => {
  const schema = schemasDroppedAfterAll();
  let app: INestApplicationContext;
  let jobs: JobsService;
  let s: string;

  beforeAll(async () => {
    s = schema('coalesce');
    app = await createApp(s, { jobs: { workers: false, queues: [Plain, Validated, Short, Throttled] } });
    jobs = app.get(JobsService);
  });
  afterAll(() => app.close());

  const stored = async (queue: string) =>
    sql<{ id: string; n: number }>(`SELECT id, (data->>'n')::int AS n FROM "${s}".job WHERE name = $1`, [queue]);

  it('gives each concurrent caller its own id for its own job, in fewer statements than sends', async () => {
    const insert = jest.spyOn(jobs.boss, 'insert');
    const send = jest.spyOn(jobs.boss, 'send');
    try {
      const ids = await Promise.all(Array.from({ length: 50 }, (_, n) => jobs.send(Plain, { n })));
      expect(new Set(ids).size).toBe(50);
      expect(ids).not.toContain(null);
      const rows = await stored('plain');
      expect(new Map(rows.map((r) => [r.id, r.n]))).toEqual(new Map(ids.map((id, n) => [id!, n])));
      expect(insert.mock.calls.some(([, batch]) => batch.length > 1)).toBe(true);
      expect(insert.mock.calls.length + send.mock.calls.length).toBeLessThan(50);
    } finally {
      insert.mockRestore();
      send.mockRestore();
    }
  });

  it('rejects only the caller whose payload fails its schema', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, n) => jobs.send(Validated, { n: n === 4 ? -1 : n })),
    );
    expect(results[4]).toMatchObject({ status: 'rejected', reason: expect.any(JobValidationError) });
    const sent = results.filter((r, n) => n !== 4);
    expect(sent.every((r) => r.status === 'fulfilled' && typeof r.value === 'string')).toBe(true);
    expect((await stored('validated')).map((r) => r.n).sort()).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
  });

  it('rejects only the caller whose payload PostgreSQL refuses, even inside a shared INSERT', async () => {
    const insert = jest.spyOn(jobs.boss, 'insert');
    try {
      // jsonb cannot hold \u0000: the shared statement fails, and each caller is sent again alone.
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, n) => jobs.send(Plain, n === 5 ? ({ n, bad: '\u0000' } as never) : { n: 100 + n })),
      );
      expect(insert.mock.calls.some(([, batch]) => batch.some((job) => (job.data as { n: number }).n === 5))).toBe(true);
      expect(results[5]).toMatchObject({ status: 'rejected' });
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
      const ns = (await stored('plain')).map((r) => r.n).filter((n) => n >= 100);
      expect(ns.sort()).toEqual([100, 101, 102, 103, 104, 106, 107]);
    } finally {
      insert.mockRestore();
    }
  });

  it('gives one caller the id and the others null when a singletonKey dedupes them', async () => {
    const ids = await Promise.all([
      ...Array.from({ length: 6 }, (_, n) => jobs.send(Short, { n }, { singletonKey: 'order-1' })),
      ...Array.from({ length: 6 }, (_, n) => jobs.send(Short, { n: 10 + n }, { singletonKey: 'order-2' })),
    ]);
    const first = ids.slice(0, 6).filter((id) => id !== null);
    const second = ids.slice(6).filter((id) => id !== null);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect((await stored('short')).map((r) => r.id).sort()).toEqual([first[0], second[0]].sort());
  });

  it('gives one caller the id and the others null within one throttle slot', async () => {
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, n) => jobs.send(Throttled, { n }, { throttle: { seconds: 3600, key: 'user-1' } })),
    );
    const sent = ids.filter((id) => id !== null);
    expect(sent).toHaveLength(1);
    expect((await stored('throttled')).map((r) => r.id)).toEqual(sent);
  });

  it('keeps a { db } send inside its own transaction, out of any shared INSERT', async () => {
    const insert = jest.spyOn(jobs.boss, 'insert');
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      await client.query('BEGIN');
      const results = await Promise.all([
        ...Array.from({ length: 5 }, (_, n) => jobs.send(Plain, { n: 200 + n })),
        jobs.send(Plain, { n: 299 }, { db: fromPg(client) }),
        ...Array.from({ length: 5 }, (_, n) => jobs.send(Plain, { n: 205 + n })),
      ]);
      await client.query('ROLLBACK');
      expect(results).not.toContain(null);
      const batched = insert.mock.calls.flatMap(([, batch]) => batch.map((job) => (job.data as { n: number }).n));
      expect(batched).not.toContain(299);
      const ns = (await stored('plain')).map((r) => r.n).filter((n) => n >= 200);
      expect(ns.sort()).toEqual([200, 201, 202, 203, 204, 205, 206, 207, 208, 209]);
    } finally {
      insert.mockRestore();
      await client.end();
    }
  });
});

// Issue 11, 1b.3. The coalescer is driven directly, past JobsService's validation, so that the
// database itself refuses one row: a singletonKey too long for PostgreSQL's index (54000).
describe('a shared INSERT one row of which PostgreSQL refuses for its size', () => {
  const schema = schemasDroppedAfterAll();
  let app: INestApplicationContext;
  let s: string;

  beforeAll(async () => {
    s = schema('coalesce_rows');
    app = await createApp(s, { jobs: { workers: false, queues: [Plain] } });
  });
  afterAll(() => app.close());

  it('rejects only the caller of that row; the others are sent again alone and committed', async () => {
    const boss = app.get(JobsService).boss;
    const coalescer = new SendCoalescer(boss);
    const insert = jest.spyOn(boss, 'insert');
    // Random base64 does not compress: 4,000 bytes in the index row, over PostgreSQL's 2,704.
    const tooLong = randomBytes(3000).toString('base64');
    try {
      // The first send goes out alone at once; the five behind it wait and share one INSERT.
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, n) =>
          coalescer.send('plain', { n: 300 + n }, n === 3 ? { singletonKey: tooLong } : { priority: n }),
        ),
      );
      expect(insert.mock.calls.some(([, batch]) => batch.some((job) => job.singletonKey === tooLong))).toBe(true);
      expect(results[3]).toMatchObject({ status: 'rejected', reason: { code: '54000' } });
      const others = results.filter((_, n) => n !== 3);
      expect(others.every((r) => r.status === 'fulfilled' && typeof r.value === 'string')).toBe(true);
      const rows = await sql<{ n: number }>(`SELECT (data->>'n')::int AS n FROM "${s}".job WHERE name = 'plain' ORDER BY 1`);
      expect(rows.map((r) => r.n)).toEqual([300, 301, 302, 304, 305]);
    } finally {
      insert.mockRestore();
    }
  });
});
