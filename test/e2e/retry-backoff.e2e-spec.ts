import type { INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defineJob, JobsService } from '../../lib/index.js';
import { createApp, dropSchema, sql, uniqueSchema } from '../support/e2e.js';

// The ranges README and JobQueueOptions.retryBackoff state, checked on the queue the module
// declares: pg-boss computes the delay when it records the failure, so the test fails jobs itself
// (no worker) and reads each retry's start_after against the database clock around the fail.
const Backoff = defineJob<{ n: number }>('backoff', { retryLimit: 3, retryDelay: 2, retryBackoff: true });
const JOBS = 30;

describe('retryBackoff', () => {
  const schema = uniqueSchema('backoff');
  let app: INestApplicationContext;
  let jobs: JobsService;

  beforeAll(async () => {
    app = await createApp(schema, { jobs: { workers: false, queues: [Backoff] } });
    jobs = app.get(JobsService);
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  const databaseNow = async (): Promise<number> =>
    (await sql<{ now: Date }>('SELECT clock_timestamp() AS now'))[0]!.now.getTime();

  /** Fails every fetched job once; returns each retry's delay as [lowest, highest] possible seconds. */
  async function failOnce(): Promise<Array<[number, number]>> {
    const fetched = await jobs.boss.fetch(Backoff.name, { batchSize: JOBS });
    expect(fetched).toHaveLength(JOBS);
    const ids = fetched.map((job) => job.id);
    const t0 = await databaseNow();
    await jobs.boss.fail(Backoff.name, ids);
    const t1 = await databaseNow();
    const rows = await sql<{ state: string; start_after: Date }>(
      `SELECT state, start_after FROM "${schema}".job WHERE name = $1 AND id = ANY($2::uuid[])`,
      [Backoff.name, ids],
    );
    expect(rows.map((row) => row.state)).toEqual(ids.map(() => 'retry'));
    // Failed at some instant in [t0, t1]: the delay lies between these two bounds.
    return rows.map((row) => [
      (row.start_after.getTime() - t1) / 1000,
      (row.start_after.getTime() - t0) / 1000,
    ]);
  }

  it('waits a random 2–4 s before the first retry, 4–8 s before the second, 8–16 s before the third (retryDelay: 2)', async () => {
    await jobs.sendMany(Backoff, Array.from({ length: JOBS }, (_, n) => ({ data: { n } })));
    for (const [low, high] of [
      [2, 4],
      [4, 8],
      [8, 16],
    ] as const) {
      const delays = await failOnce();
      for (const [earliest, latest] of delays) {
        expect(latest).toBeGreaterThanOrEqual(low);
        expect(earliest).toBeLessThanOrEqual(high);
      }
      // Jitter: 30 uniform draws over the range do not all land in its lower or upper half.
      const lows = delays.map(([earliest]) => earliest);
      expect(Math.max(...lows) - Math.min(...lows)).toBeGreaterThan((high - low) / 2);
      // Let the retries become due now, as if their delay had passed.
      await sql(`UPDATE "${schema}".job SET start_after = now() WHERE name = $1 AND state = 'retry'`, [Backoff.name]);
    }
  });
});
