// EXPLAIN (ANALYZE, BUFFERS) of the statements a nest-pg-jobs worker runs per job: pg-boss's fetch
// (batch 1, with metadata, as the default handler) and its per-job-results completion, on a queue
// holding N created jobs; then the same fetch + complete loop timed with synchronous_commit on and
// off, to show how much of a job's cost is the commit's WAL flush.
//   npm run build && node perf/explain.mjs [--jobs 20000] [--batch 1] [--analyze] [--finished 0]
// --analyze: ANALYZE the table after the insert (current planner statistics; without, the fetch sorts the backlog).
// --finished N: N completed jobs already in the queue's table (finished within pg-boss's retention, as a busy queue
// holds them for deleteAfterSeconds), inserted by one INSERT … SELECT before the waiting jobs; prints the table's and
// its indexes' sizes. For issue 14: what a large finished-row population does to the fetch and the completion.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
// Private module of pg-boss, read only to print the exact statements its worker runs.
import * as plans from 'pg-boss/dist/plans.js';
import { startPostgres } from '../scripts/embedded-postgres.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '1' },
    analyze: { type: 'boolean', default: false },
    finished: { type: 'string', default: '0' },
  },
});
const N = Number(args.jobs);
const B = Number(args.batch);
const FINISHED = Number(args.finished);
const pgServer = await startPostgres({ fast: false });
const boss = new PgBoss({ connectionString: pgServer.url, schedule: false, supervise: false });
boss.on('error', () => undefined);
try {
  await boss.start();
  const queue = 'explain';
  await boss.createQueue(queue, { notify: true });
  if (FINISHED > 0) {
    const { table: finishedTable } = await boss.getQueue(queue);
    const t0 = performance.now();
    // Finished over the last hour, one attempt each: what a queue at FINISHED/3600 jobs/s holds after an hour.
    await boss.getDb().executeSql(
      `INSERT INTO pgboss.${finishedTable} (id, name, data, state, created_on, started_on, completed_on, retry_count, output)
       SELECT gen_random_uuid(), $1, jsonb_build_object('i', g), 'completed',
              now() - make_interval(secs => 3600.0 * g / $2), now() - make_interval(secs => 3600.0 * g / $2 - 0.001),
              now() - make_interval(secs => 3600.0 * g / $2 - 0.002), 1, NULL
         FROM generate_series(1, $2::int) g`,
      [queue, FINISHED],
    );
    console.log(`inserted ${FINISHED} completed jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  for (let done = 0; done < N; done += 5000) {
    await boss.insert(queue, Array.from({ length: Math.min(5000, N - done) }, (_, i) => ({ data: { i: done + i } })));
  }
  const { table, policy } = await boss.getQueue(queue);
  if (args.analyze) await boss.getDb().executeSql(`ANALYZE pgboss.${table}`);
  const fetch = plans.fetchNextJob({ schema: 'pgboss', table, name: queue, policy, limit: B, includeMetadata: true, priority: true, orderByCreatedOn: true });
  const complete = plans.completeJobsWithOutputs('pgboss', table);
  const client = new pg.Client({ connectionString: pgServer.url });
  await client.connect();
  const sizes = async (label) => {
    const { rows } = await client.query(
      `SELECT pg_size_pretty(pg_table_size($1::regclass)) AS heap, pg_size_pretty(pg_indexes_size($1::regclass)) AS indexes,
              (SELECT count(*) FROM pgboss.${table} WHERE name = $2)::int AS rows
         FROM (SELECT 1) x`,
      [`pgboss.${table}`, queue],
    );
    console.log(`--- ${label}: ${rows[0].rows} rows, heap ${rows[0].heap}, indexes ${rows[0].indexes}`);
  };
  await sizes(`table pgboss.${table}`);
  const explain = async (label, text, values) => {
    await client.query('BEGIN');
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, values);
    await client.query('ROLLBACK');
    console.log(`--- ${label}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
  };
  await explain(`fetch (batch ${B}, includeMetadata)`, fetch.text, fetch.values);
  const items = (rows) => JSON.stringify(rows.map((j) => ({ id: j.id, retry_count: j.retryCount, output: null })));
  const fetched = (await client.query(fetch.text, fetch.values)).rows;
  await explain(`complete (perJobResults, ${fetched.length} jobs)`, complete, [queue, items(fetched)]);
  for (const mode of ['on', 'off']) {
    await client.query(`SET synchronous_commit = ${mode}`);
    const loops = Math.max(20, Math.floor(500 / B));
    const t0 = performance.now();
    for (let i = 0; i < loops; i++) {
      const rows = (await client.query(fetch.text, fetch.values)).rows;
      await client.query(complete, [queue, items(rows)]);
    }
    const ms = (performance.now() - t0) / (loops * B);
    console.log(`fetch + complete, ${B} job(s) at a time, synchronous_commit ${mode}: ${ms.toFixed(3)} ms/job (${(1000 / ms).toFixed(0)} jobs/s)`);
  }
  const [{ done }] = (await client.query(`SELECT count(*)::int AS done FROM pgboss.${table} WHERE name = $1 AND state = 'completed'`, [queue])).rows;
  await explain(`fetch again, with ${done} completed jobs in the table`, fetch.text, fetch.values);
  await client.end();
} finally {
  await boss.stop({ graceful: false }).catch(() => undefined);
  await pgServer.stop();
}
