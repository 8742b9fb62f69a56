import { describe, expect, it } from '@jest/globals';
import type { PgBoss } from 'pg-boss';
import {
  ANALYZE_LOCK_TIMEOUT_MS,
  ANALYZE_MIN_INTERVAL_MS,
  StatisticsRefresher,
} from '../../lib/backend/pg-boss/statistics.refresher.js';

/** A pg-boss that knows which table each queue lives in and records the SQL it is given. */
function fakeBoss(tables: Record<string, string>) {
  const statements: string[] = [];
  const pending: Array<{ resolve(): void; reject(error: Error): void }> = [];
  const boss = {
    getQueue: async (name: string) => (tables[name] ? { name, table: tables[name] } : null),
    getDb: () => ({
      executeSql: (text: string) => {
        statements.push(text);
        return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
      },
    }),
  } as unknown as PgBoss;
  return { boss, statements, pending };
}

/** Lets the refresher's table lookups and the settled refreshes run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('StatisticsRefresher', () => {
  it('analyzes a queue table once the threshold is reached, bounding its lock wait', async () => {
    const { boss, statements } = fakeBoss({ mail: 'job_common' });
    const refresher = new StatisticsRefresher(boss, 'MyJobs', 100, () => 0);
    refresher.recordInserts('mail', 99);
    await settle();
    expect(statements).toEqual([]);
    refresher.recordInserts('mail', 1);
    await settle();
    expect(statements).toEqual([`SET LOCAL lock_timeout = ${ANALYZE_LOCK_TIMEOUT_MS}; ANALYZE "myjobs"."job_common"`]);
  });

  it('counts the queues sharing a table together, and a partitioned queue on its own', async () => {
    const { boss, statements } = fakeBoss({ a: 'job_common', b: 'job_common', big: 'j0123abcd' });
    const refresher = new StatisticsRefresher(boss, 'pgboss', 100, () => 0);
    refresher.recordInserts('a', 60);
    refresher.recordInserts('big', 60);
    refresher.recordInserts('b', 40);
    await settle();
    expect(statements).toEqual([expect.stringContaining('ANALYZE "pgboss"."job_common"')]);
  });

  it('refreshes one table at most once per interval, and again after it when due', async () => {
    const { boss, statements, pending } = fakeBoss({ mail: 'job_common' });
    let now = 0;
    const refresher = new StatisticsRefresher(boss, 'pgboss', 100, () => now);
    refresher.recordInserts('mail', 100);
    await settle();
    pending.shift()!.resolve();
    await settle();
    now = ANALYZE_MIN_INTERVAL_MS - 1;
    refresher.recordInserts('mail', 500);
    await settle();
    expect(statements).toHaveLength(1);
    now = ANALYZE_MIN_INTERVAL_MS;
    refresher.recordInserts('mail', 1); // the 500 counted meanwhile are still pending
    await settle();
    expect(statements).toHaveLength(2);
  });

  it('runs one refresh of a table at a time', async () => {
    const { boss, statements } = fakeBoss({ mail: 'job_common' });
    let now = 0;
    const refresher = new StatisticsRefresher(boss, 'pgboss', 10, () => now);
    refresher.recordInserts('mail', 10);
    await settle();
    now = 10 * ANALYZE_MIN_INTERVAL_MS; // due again, but the first is still running
    refresher.recordInserts('mail', 10);
    await settle();
    expect(statements).toHaveLength(1);
  });

  it('reports a failed refresh, never throws to the sender, and looks the table up again', async () => {
    const tables: Record<string, string> = { mail: 'job_common' };
    const { boss, statements, pending } = fakeBoss(tables);
    let now = 0;
    const failures: string[] = [];
    const refresher = new StatisticsRefresher(boss, 'pgboss', 10, () => now);
    refresher.onFailure = (message) => failures.push(message);
    refresher.recordInserts('mail', 10);
    await settle();
    tables.mail = 'j99'; // re-created as a partitioned queue
    pending.shift()!.reject(new Error('relation "pgboss.job_common" does not exist'));
    await settle();
    expect(failures).toEqual([expect.stringMatching(/"pgboss"\."job_common" after many jobs were sent to "mail".*does not exist/)]);
    now = ANALYZE_MIN_INTERVAL_MS;
    refresher.recordInserts('mail', 10);
    await settle();
    expect(statements[1]).toContain('ANALYZE "pgboss"."j99"');
  });

  it('ignores queues pg-boss does not know', async () => {
    const { boss, statements } = fakeBoss({});
    const refresher = new StatisticsRefresher(boss, 'pgboss', 1, () => 0);
    refresher.recordInserts('ghost', 5);
    await settle();
    expect(statements).toEqual([]);
  });

  it('stop() waits for the refresh running and starts no other', async () => {
    const { boss, statements, pending } = fakeBoss({ a: 'job_common', b: 'j1' });
    const refresher = new StatisticsRefresher(boss, 'pgboss', 1, () => 0);
    refresher.recordInserts('a', 1);
    await settle();
    let stopped = false;
    const stopping = refresher.stop().then(() => (stopped = true));
    refresher.recordInserts('b', 1);
    await settle();
    expect(stopped).toBe(false);
    pending.shift()!.resolve();
    await stopping;
    expect(statements).toHaveLength(1);
  });
});
