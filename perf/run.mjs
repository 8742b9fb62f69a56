// Side-by-side measurements of nest-pg-jobs against raw pg-boss doing the same work() calls, on an
// embedded PostgreSQL with default durability (fsync and synchronous_commit on). Only ratios inside
// one run mean anything: the machine is small and shared. Usage: see perf/README.md.
//
//   npm run build && node perf/run.mjs [--jobs 20000] [--latency 500] [--sends 4000] [--reps 3]
//                                      [--only burn,latency,send] [--systems a,b] [--fast]
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PgBoss } from 'pg-boss';
import { startPostgres } from '../scripts/embedded-postgres.js';
import { JobsModule, JobsService, JobHandler, defineJob } from '../dist/index.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    latency: { type: 'string', default: '500' },
    sends: { type: 'string', default: '4000' },
    reps: { type: 'string', default: '3' },
    only: { type: 'string', default: 'burn,latency,send' },
    systems: { type: 'string' },
    url: { type: 'string' },
    // Diagnosis only: fsync and synchronous_commit off, to see what the commits cost.
    fast: { type: 'boolean', default: false },
    // Diagnosis: ANALYZE the queue's table after inserting, before the workers start.
    analyze: { type: 'boolean', default: false },
  },
});
const N_BURN = Number(args.jobs);
const N_LATENCY = Number(args.latency);
const N_SENDS = Number(args.sends);
const REPS = Number(args.reps);
const ONLY = new Set(args.only.split(','));

// One hook the handlers of every system call when a job starts.
let onStart = () => undefined;

/** Work options nest-pg-jobs gives pg-boss for a handler (see lib/declare/resolve-handler-options.util.ts). */
function rawWorkOptions(concurrency, batchSize = 1) {
  return {
    localConcurrency: concurrency,
    batchSize,
    ...(batchSize > 1 ? { burstWhenBatchFull: true } : {}),
    pollingIntervalSeconds: 1,
    notifyPollingIntervalSeconds: 1,
    includeMetadata: true,
    perJobResults: true,
  };
}

// ---------------------------------------------------------------- systems
// Each system: start(queue, { workers }) -> { send(data), stop() }

function nestSystem(label, handlerOptions, moduleOptions = {}) {
  return {
    label,
    async start(url, queue, { workers }) {
      const Def = defineJob(queue);
      class NoopJobs {
        handle(jobOrBatch) {
          for (const job of [].concat(jobOrBatch)) onStart(job.data);
        }
      }
      Reflect.decorate([JobHandler(Def, handlerOptions)], NoopJobs.prototype, 'handle',
        Object.getOwnPropertyDescriptor(NoopJobs.prototype, 'handle'));
      Reflect.decorate([Injectable()], NoopJobs);
      class AppModule {}
      Reflect.decorate([Module({
        imports: [JobsModule.forRoot({ connectionString: url, logger: false, workers, shutdownTimeoutMs: 5000, ...moduleOptions })],
        providers: [NoopJobs],
      })], AppModule);
      const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      const jobs = app.get(JobsService);
      return {
        send: (data) => jobs.send(Def, data),
        stop: () => app.close(),
      };
    },
  };
}

/** Raw pg-boss with the work() options and wake-ups nest-pg-jobs uses (the overhead reference). */
function rawSystem(label, concurrency, batchSize = 1) {
  return {
    label,
    async start(url, queue, { workers }) {
      const boss = new PgBoss({ connectionString: url, useListenNotify: true, application_name: 'perf-raw' });
      boss.on('error', () => undefined);
      await boss.start();
      await boss.createQueue(queue, { notify: true });
      if (workers) {
        // One work() call per slot, each waking only its own loop after a job (lib/runtime/jobs.orchestrator.ts).
        const { localConcurrency, ...options } = rawWorkOptions(concurrency, batchSize);
        for (let slot = 0; slot < localConcurrency; slot++) {
          const loop = {};
          loop.id = await boss.work(queue, { ...options, localConcurrency: 1 }, async (jobs) => {
            const results = jobs.map((job) => {
              onStart(job.data);
              return { id: job.id, status: 'completed' };
            });
            if (loop.id && batchSize === 1) boss.notifyWorker(loop.id);
            return results;
          });
        }
      }
      return {
        send: (data) => boss.send(queue, data),
        stop: () => boss.stop({ graceful: true, timeout: 5000 }),
      };
    },
  };
}

const ALL_SYSTEMS = {
  'nest-default': nestSystem('nest-pg-jobs, default options', undefined),
  'nest-unnamed': nestSystem('nest-pg-jobs, default options, preparedStatements: false', undefined, { preparedStatements: false }),
  'raw-default': rawSystem('raw pg-boss, batch 1 per loop (the module before adaptive batches)', 1),
  'nest-c20': nestSystem('nest-pg-jobs, concurrency 20', { concurrency: 20 }),
  'raw-c20': rawSystem('raw pg-boss, same work() as concurrency 20', 20),
  'nest-b100': nestSystem('nest-pg-jobs, batch handler, batchSize 100', { batchSize: 100 }),
  'raw-b100': rawSystem('raw pg-boss, same work() as batchSize 100', 1, 100),
};
const systemKeys = args.systems ? args.systems.split(',') : Object.keys(ALL_SYSTEMS);

// ---------------------------------------------------------------- scenarios

let queueSeq = 0;
const nextQueue = (key) => `perf-${key}-${process.pid}-${++queueSeq}`;

/** Pre-inserts N jobs, starts the workers, times first start → Nth start. */
async function burnDown(url, system, key) {
  const queue = nextQueue(key);
  const admin = new PgBoss({ connectionString: url, schedule: false, supervise: false });
  admin.on('error', () => undefined);
  await admin.start();
  await admin.createQueue(queue, { notify: true });
  for (let done = 0; done < N_BURN; done += 5000) {
    const chunk = Array.from({ length: Math.min(5000, N_BURN - done) }, (_, i) => ({ data: { i: done + i } }));
    await admin.insert(queue, chunk);
  }
  if (args.analyze) {
    const { table } = await admin.getQueue(queue);
    await admin.getDb().executeSql(`ANALYZE pgboss.${table}`);
  }
  let count = 0;
  let first = 0;
  let finished;
  const all = new Promise((resolve) => { finished = resolve; });
  onStart = () => {
    if (count === 0) first = performance.now();
    if (++count === N_BURN) finished(performance.now());
  };
  const running = await system.start(url, queue, { workers: true });
  const last = await all;
  await running.stop();
  await admin.deleteQueue(queue).catch(() => undefined);
  await admin.stop({ graceful: false });
  return { jobsPerSecond: (N_BURN / (last - first)) * 1000 };
}

/** Sequential sends, each timed from before send() to the moment its handler starts. */
async function latency(url, system, key) {
  const queue = nextQueue(key);
  const running = await system.start(url, queue, { workers: true });
  const samples = [];
  let waiting;
  onStart = (data) => { if (waiting && data.i === waiting.i) waiting.resolve(performance.now()); };
  for (let i = -20; i < N_LATENCY; i++) {
    const started = new Promise((resolve) => { waiting = { i, resolve }; });
    const t0 = performance.now();
    await running.send({ i });
    const t1 = await started;
    if (i >= 0) samples.push(t1 - t0); // the first 20 warm up
  }
  await running.stop();
  samples.sort((a, b) => a - b);
  const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  return { p50: pct(50), p95: pct(95), p99: pct(99) };
}

/** Sequential send() and 64 concurrent senders, without workers. */
async function sendRate(url, system, key) {
  const queue = nextQueue(key);
  const running = await system.start(url, queue, { workers: false });
  for (let i = 0; i < 50; i++) await running.send({ i }); // warm-up
  let t0 = performance.now();
  const sequentialN = Math.max(200, Math.floor(N_SENDS / 4));
  for (let i = 0; i < sequentialN; i++) await running.send({ i });
  const sequential = (sequentialN / (performance.now() - t0)) * 1000;
  let next = 0;
  t0 = performance.now();
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < N_SENDS) {
      const i = next++;
      await running.send({ i });
    }
  }));
  const concurrent64 = (N_SENDS / (performance.now() - t0)) * 1000;
  await running.stop();
  return { sequential, concurrent64 };
}

// ---------------------------------------------------------------- run

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const pg = args.url ? { url: args.url, stop: async () => undefined } : await startPostgres({ fast: args.fast });
  const results = {}; // results[scenario][system][metric] = [values]
  const record = (scenario, key, values) => {
    results[scenario] ??= {};
    results[scenario][key] ??= {};
    for (const [metric, value] of Object.entries(values)) (results[scenario][key][metric] ??= []).push(value);
  };
  try {
    for (let rep = 1; rep <= REPS; rep++) {
      for (const key of systemKeys) {
        const system = ALL_SYSTEMS[key];
        if (ONLY.has('burn')) record('burn', key, await burnDown(pg.url, system, key));
        if (ONLY.has('latency')) record('latency', key, await latency(pg.url, system, key));
        if (ONLY.has('send')) record('send', key, await sendRate(pg.url, system, key));
        console.error(`rep ${rep} ${key} done`);
      }
    }
  } finally {
    await pg.stop();
  }
  const fmt = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
  console.log(`\nPostgreSQL fsync ${args.fast ? 'OFF (diagnosis)' : 'on'}; burn-down N=${N_BURN}, latency N=${N_LATENCY}, sends N=${N_SENDS}; medians of ${REPS}\n`);
  for (const [scenario, bySystem] of Object.entries(results)) {
    const metrics = Object.keys(Object.values(bySystem)[0]);
    console.log(`| ${scenario} | ${metrics.join(' | ')} |`);
    console.log(`|---|${metrics.map(() => '---').join('|')}|`);
    for (const [key, byMetric] of Object.entries(bySystem)) {
      console.log(`| ${ALL_SYSTEMS[key].label} | ${metrics.map((m) => `${fmt(median(byMetric[m]))} (${byMetric[m].map(fmt).join(', ')})`).join(' | ')} |`);
    }
    // Ratios of each nest system against the raw system with the same work() options.
    for (const key of Object.keys(bySystem).filter((k) => k.startsWith('nest-'))) {
      const raw = bySystem[key.replace('nest-', 'raw-')];
      if (!raw) continue;
      console.log(`ratio ${key} / ${key.replace('nest-', 'raw-')}: ` +
        metrics.map((m) => `${m} ${(median(bySystem[key][m]) / median(raw[m])).toFixed(2)}`).join(', '));
    }
    console.log('');
  }
  console.log(JSON.stringify(results));
}

main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
