import type { INestApplicationContext } from '@nestjs/common';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { PgBoss } from 'pg-boss';
// pg-boss's own statement builder (not public API), to EXPLAIN exactly the fetch its workers run.
import * as plans from 'pg-boss/dist/plans.js';
import { defineJob, JobsService } from '../../lib/index.js';
import { createApp, schemasDroppedAfterAll, sql, waitFor } from '../support/e2e.js';

const Import = defineJob<{ row: number }>('stats-import');

/** The plan PostgreSQL picks for the fetch a default handler's slot runs (batch of 100, with metadata). */
async function fetchPlan(boss: PgBoss, schema: string): Promise<string> {
  const queue = await boss.getQueue(Import.name);
  const fetch = plans.fetchNextJob({
    schema,
    table: queue!.table,
    name: Import.name,
    policy: queue!.policy,
    limit: 100,
    includeMetadata: true,
    priority: true,
    orderByCreatedOn: true,
  } as never) as { text: string; values: unknown[] };
  const rows = await sql<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${fetch.text}`, fetch.values);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

/** What the planner's statistics say about the queue names in the job table (none before an ANALYZE). */
async function knownQueues(schema: string): Promise<string | undefined> {
  const rows = await sql<{ values: string | null }>(
    `SELECT most_common_vals::text AS values FROM pg_stats WHERE schemaname = $1 AND tablename = 'job_common' AND attname = 'name'`,
    [schema],
  );
  return rows[0]?.values ?? undefined;
}

describe('planner statistics after many sends (analyzeAfterInserts)', () => {
  const schema = schemasDroppedAfterAll();
  let app: INestApplicationContext | undefined;
  afterEach(() => app?.close());

  const sendBacklog = async (s: string, analyzeAfterInserts?: number | false) => {
    app = await createApp(s, {
      jobs: { workers: false, queues: [Import], ...(analyzeAfterInserts === undefined ? {} : { analyzeAfterInserts }) },
    });
    // Only the module may refresh the statistics here: autovacuum could do it too, on its own schedule.
    await sql(`ALTER TABLE "${s}".job_common SET (autovacuum_enabled = off)`);
    const jobs = app.get(JobsService);
    for (let chunk = 0; chunk < 20; chunk++) {
      await jobs.sendMany(Import, Array.from({ length: 1_000 }, (_, i) => ({ data: { row: chunk * 1_000 + i } })));
    }
    return jobs;
  };

  it('refreshes them once enough jobs were sent, so the fetch reads the next jobs off its index', async () => {
    const s = schema('stats');
    const jobs = await sendBacklog(s); // the default: 10,000
    await waitFor(async () => (await knownQueues(s))?.includes(Import.name), {
      timeoutMs: 10_000,
      message: 'the job table statistics to know the queue',
    });
    const plan = await fetchPlan(jobs.boss, s);
    expect(plan).toMatch(/Index Scan using job_common_i11/);
    expect(plan).not.toMatch(/Sort/);
  });

  it('leaves them to autovacuum with analyzeAfterInserts: false, and the fetch then sorts the whole backlog', async () => {
    const s = schema('nostats');
    const jobs = await sendBacklog(s, false);
    expect(await knownQueues(s)).toBeUndefined();
    const plan = await fetchPlan(jobs.boss, s);
    expect(plan).toMatch(/Sort/);
  });

  it('refuses an invalid threshold at bootstrap, naming the option', async () => {
    await expect(
      createApp(schema('badstats'), { jobs: { analyzeAfterInserts: 0 } }).then((a) => (app = a)),
    ).rejects.toThrow(/analyzeAfterInserts.*integer number of jobs >= 1, or false/);
  });
});
