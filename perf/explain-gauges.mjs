// EXPLAIN (ANALYZE, BUFFERS) of the statement a scrape of the Prometheus queue gauges runs
// (JobsBackend.getQueueGauges, lib/backend/pg-boss/queue-gauges.sql.ts): one queue holding --finished
// completed jobs and a few live ones (waiting, deferred, active, failed), its dead-letter queue, and
// more empty queues up to --queues; then the statement timed over 200 runs, before and after VACUUM
// (the visibility map an index-only scan needs; autovacuum keeps it current on a real database).
// --waiting adds that many waiting jobs, for the cost of a backlog.
//   npm run build && node perf/explain-gauges.mjs [--finished 100000] [--waiting 0] [--queues 10]
// Uses DATABASE_URL when set (in a schema of its own, dropped afterwards), else an embedded PostgreSQL.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { queueGaugesSql } from '../dist/backend/pg-boss/queue-gauges.sql.js';
import { schemaIdentifier } from '../dist/backend/pg-boss/sql-identifier.util.js';
import { startPostgres } from '../scripts/embedded-postgres.js';

const { values: args } = parseArgs({
  options: {
    finished: { type: 'string', default: '100000' },
    waiting: { type: 'string', default: '0' },
    queues: { type: 'string', default: '10' },
  },
});
const FINISHED = Number(args.finished);
const WAITING = Number(args.waiting);
const QUEUES = Math.max(2, Number(args.queues));
const schema = `explain_gauges_${process.pid}`;
const pgServer = process.env.DATABASE_URL ? undefined : await startPostgres({ fast: false });
const url = process.env.DATABASE_URL ?? pgServer.url;
const boss = new PgBoss({ connectionString: url, schema, schedule: false, supervise: false });
boss.on('error', () => undefined);
const client = new pg.Client({ connectionString: url });
try {
  await boss.start();
  await client.connect();
  await boss.createQueue('big.dead');
  await boss.createQueue('big', { deadLetter: 'big.dead' });
  const names = ['big', 'big.dead'];
  for (let i = names.length; i < QUEUES; i++) {
    await boss.createQueue(`empty-${i}`);
    names.push(`empty-${i}`);
  }
  const insert = async (queue, count, options = {}) => {
    for (let done = 0; done < count; done += 5000) {
      await boss.insert(queue, Array.from({ length: Math.min(5000, count - done) }, (_, i) => ({ data: { i: done + i }, ...options })));
    }
  };
  const { table } = await boss.getQueue('big');
  const job = `${schemaIdentifier(schema)}.job`;
  await insert('big', FINISHED);
  await client.query(`UPDATE ${job} SET state = 'completed', started_on = now(), completed_on = now() WHERE name = 'big'`);
  await insert('big', 100 + WAITING);
  await insert('big', 20, { startAfter: 3600 });
  await client.query(
    `UPDATE ${job} SET state = 'active', started_on = now() WHERE id IN (SELECT id FROM ${job} WHERE name = 'big' AND state = 'created' LIMIT 10)`,
  );
  await client.query(
    `UPDATE ${job} SET state = 'failed', completed_on = now() WHERE id IN (SELECT id FROM ${job} WHERE name = 'big' AND state = 'created' LIMIT 5)`,
  );
  await insert('big.dead', 3);
  const text = queueGaugesSql(schemaIdentifier(schema));
  const values = [names];
  console.log(`${FINISHED} completed jobs, ${125 + WAITING} live ones in "big" (table ${table}), ${names.length} queues\n`);
  console.log((await client.query(text, values)).rows.filter((row) => row.queue.startsWith('big')));

  const measure = async (label) => {
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, values);
    console.log(`\n--- ${label}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    const times = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await client.query(text, values);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`round trip over 200 runs: median ${times[100].toFixed(2)} ms, p95 ${times[190].toFixed(2)} ms`);
  };
  await measure('after the inserts (no VACUUM yet)');
  await client.query(`VACUUM (ANALYZE) ${schemaIdentifier(schema)}.${table}`);
  await measure(`after VACUUM (ANALYZE) of ${table}`);
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${schemaIdentifier(schema)} CASCADE`).catch(() => undefined);
  await client.end().catch(() => undefined);
  await boss.stop({ graceful: false, close: true }).catch(() => undefined);
  await pgServer?.stop();
}
