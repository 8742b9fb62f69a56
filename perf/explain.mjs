// EXPLAIN (ANALYZE, BUFFERS) of the statements a nest-pg-jobs worker runs per job: pg-boss's fetch
// (batch 1, with metadata, as the default handler) and its per-job-results completion, on a queue
// holding N created jobs; then the same fetch + complete loop timed with synchronous_commit on and
// off, to show how much of a job's cost is the commit's WAL flush.
//   npm run build && node perf/explain.mjs [--jobs 20000] [--batch 1] [--analyze]
// --analyze: ANALYZE the table after the insert (current planner statistics; without, the fetch sorts the backlog).
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
// Private module of pg-boss, read only to print the exact statements its worker runs.
import * as plans from 'pg-boss/dist/plans.js';
import { startPostgres } from '../scripts/embedded-postgres.js';

const { values: args } = parseArgs({
  options: { jobs: { type: 'string', default: '20000' }, batch: { type: 'string', default: '1' }, analyze: { type: 'boolean', default: false } },
});
const N = Number(args.jobs);
const B = Number(args.batch);
const pgServer = await startPostgres({ fast: false });
const boss = new PgBoss({ connectionString: pgServer.url, schedule: false, supervise: false });
boss.on('error', () => undefined);
try {
  await boss.start();
  const queue = 'explain';
  await boss.createQueue(queue, { notify: true });
  for (let done = 0; done < N; done += 5000) {
    await boss.insert(queue, Array.from({ length: Math.min(5000, N - done) }, (_, i) => ({ data: { i: done + i } })));
  }
  const { table, policy } = await boss.getQueue(queue);
  if (args.analyze) await boss.getDb().executeSql(`ANALYZE pgboss.${table}`);
  const fetch = plans.fetchNextJob({ schema: 'pgboss', table, name: queue, policy, limit: B, includeMetadata: true, priority: true, orderByCreatedOn: true });
  const complete = plans.completeJobsWithOutputs('pgboss', table);
  const client = new pg.Client({ connectionString: pgServer.url });
  await client.connect();
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
