// Where the enqueue→start latency goes, for raw pg-boss with the options a default nest-pg-jobs
// handler uses (one loop, batch 1, metadata, LISTEN/NOTIFY): each of N sequential sends is split into
//   send     — send() called → resolved (INSERT + pg_notify, one commit);
//   notify   — send resolved → the LISTEN connection delivers the notification;
//   wake     — notification → the worker's fetch statement starts;
//   fetch    — fetch statement round trip (UPDATE … SKIP LOCKED RETURNING, one commit);
//   dispatch — fetch returned → handler starts.
// Statement times come from wrapping pg-boss's own Db (getDb().executeSql / listen), nothing else is changed.
//   npm run build && node perf/latency.mjs [--samples 500] [--fast]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { PgBoss } from 'pg-boss';
import { startPostgres } from '../scripts/embedded-postgres.js';

const { values: args } = parseArgs({
  options: { samples: { type: 'string', default: '500' }, fast: { type: 'boolean', default: false }, prepared: { type: 'boolean', default: false } },
});
const N = Number(args.samples);
const pgServer = await startPostgres({ fast: args.fast });
const boss = new PgBoss({ connectionString: pgServer.url, schedule: false, supervise: false, useListenNotify: true });
boss.on('error', (error) => console.error(error));

const marks = {};
const db = boss.getDb();
const executeSql = db.executeSql.bind(db);
const names = new Map();
let usePrepared = false;
const prepared = (text, values, opts) => {
  if (!usePrepared || !values?.length || opts) return executeSql(text, values, opts);
  let name = names.get(text);
  if (!name) names.set(text, (name = `p${names.size}`));
  return db.pool.query({ name, text, values });
};
db.executeSql = async (text, values, opts) => {
  const isFetch = /SKIP LOCKED/i.test(text) && /RETURNING/i.test(text);
  if (isFetch) marks.fetchStart = performance.now();
  try {
    return await prepared(text, values, opts);
  } finally {
    if (isFetch) marks.fetchEnd = performance.now();
  }
};
const listen = db.listen.bind(db);
db.listen = (channel, onNotification, onReconnect) =>
  listen(
    channel,
    (payload) => {
      marks.notified ??= performance.now();
      onNotification(payload);
    },
    onReconnect,
  );

try {
  await boss.start();
  const queue = 'latency';
  await boss.createQueue(queue, { notify: true });
  let resolveStart;
  await boss.work(queue, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 2 }, async () => {
    resolveStart?.(performance.now());
  });
  const rows = [];
  for (let i = 0; i < N + 20; i++) {
    for (const key of Object.keys(marks)) delete marks[key];
    const started = new Promise((resolve) => (resolveStart = resolve));
    usePrepared = args.prepared && i % 2 === 1;
    const t0 = performance.now();
    await boss.send(queue, { i });
    const sent = performance.now();
    const handlerAt = await started;
    if (i < 20) continue; // warm-up
    const { notified, fetchStart, fetchEnd } = marks;
    if (notified === undefined || fetchStart === undefined || fetchStart < notified) continue; // woken by a poll
    rows.push({
      prepared: usePrepared,
      send: sent - t0,
      notify: notified - sent,
      wake: fetchStart - notified,
      fetch: fetchEnd - fetchStart,
      dispatch: handlerAt - fetchEnd,
      total: handlerAt - t0,
    });
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  console.log(`PostgreSQL ${args.fast ? 'fsync off' : 'default durability'}; ${rows.length} of ${N} samples woken by NOTIFY`);
  const groups = args.prepared ? [false, true] : [false];
  console.log(`| part | ${groups.map((g) => (g ? 'named (prepared) statements' : 'pg-boss as is')).join(' | ')} |\n|---|${groups.map(() => '---|').join('')}`);
  for (const key of ['send', 'notify', 'wake', 'fetch', 'dispatch', 'total']) {
    const cells = groups.map((g) => median(rows.filter((r) => r.prepared === g).map((r) => r[key])).toFixed(3));
    console.log(`| ${key} | ${cells.join(' | ')} |`);
  }
} finally {
  await boss.stop({ graceful: false, close: true });
  await pgServer.stop();
}
