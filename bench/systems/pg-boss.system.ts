import { PgBoss, type JobWithMetadata } from 'pg-boss';
import { DEFAULT_ANALYZE_AFTER_INSERTS, StatisticsRefresher } from '../../lib/backend/pg-boss/statistics.refresher.js';
import { PG_BOSS_JOB_TABLE, PG_BOSS_REMAINING, countQuery } from '../support/pg-count.js';
import { pgStoreStats } from '../support/store-stats.js';
import { QUEUE, type BenchSystem, type Payload, type SystemContext } from './system.interface.js';

/**
 * Raw pg-boss with the options nest-pg-jobs was seen to use (probed at the start of the run): the
 * same constructor and `createQueue` options, and as many `work()` loops as the module started
 * (one per concurrency slot) with the options of its first fetch. Like the module's slots, a loop
 * at batch size 1 wakes itself after each batch (`notifyWorker`), so it refetches at once instead
 * of sleeping a polling interval. Like the module, the producer refreshes the job table's planner
 * statistics after 10,000 sends (the module's `analyzeAfterInserts` default, same code), so the
 * overhead ratio compares the module's JavaScript and not its maintenance. What is not mirrored: the module's adaptive batch size, which
 * changes at run time; so the tuned rows (a fixed batch on both sides) are the overhead comparison.
 */
export async function pgBossSystem(ctx: SystemContext, tuned: boolean): Promise<BenchSystem> {
  const probed = ctx.probe?.[tuned ? 'tuned' : 'default'];
  if (!probed?.workOptions) throw new Error('pg-boss: no probed nest-pg-jobs options (the probe saw no work() call)');
  const constructorOptions = { ...probed.constructorOptions, connectionString: ctx.databaseUrl, application_name: 'bench-pg-boss' };
  const workOptions = probed.workOptions;
  const perJob = workOptions.perJobResults === true;
  let producer: PgBoss | undefined;
  let statistics: StatisticsRefresher | undefined;
  let worker: PgBoss | undefined;
  const counter = countQuery(ctx.databaseUrl, PG_BOSS_REMAINING, [QUEUE]);
  const store = pgStoreStats(ctx.databaseUrl, [PG_BOSS_JOB_TABLE]);
  return {
    settings: {
      mirrors: tuned ? 'nest-pg-jobs-tuned' : 'nest-pg-jobs',
      constructor: probed.constructorOptions,
      createQueue: probed.queueOptions,
      work: workOptions,
      loops: probed.workCalls,
      wakeAfterBatch: 'notifyWorker(own loop) at batch size 1',
      sendMany: 'insert(name, jobs, { returnId: true })',
      statistics: `ANALYZE after ${DEFAULT_ANALYZE_AFTER_INSERTS} sends, as nest-pg-jobs (lib/backend/pg-boss/statistics.refresher.ts)`,
    },
    async prepare() {
      producer = new PgBoss(constructorOptions);
      producer.on('error', () => undefined);
      await producer.start();
      await producer.createQueue(QUEUE, probed.queueOptions);
      statistics = new StatisticsRefresher(producer, 'pgboss', DEFAULT_ANALYZE_AFTER_INSERTS);
    },
    async send(data) {
      await producer!.send(QUEUE, data);
      statistics!.recordInserts(QUEUE, 1);
    },
    async sendMany(data) {
      await producer!.insert(QUEUE, data.map((d) => ({ data: d })), { returnId: true });
      statistics!.recordInserts(QUEUE, data.length);
    },
    async startWorkers() {
      worker = new PgBoss(constructorOptions);
      worker.on('error', () => undefined);
      await worker.start();
      const batchOfOne = (workOptions.batchSize ?? 1) === 1;
      for (let i = 0; i < Math.max(1, probed.workCalls); i++) {
        // The first fetch may run before work() resolves with the loop's id.
        const loop: { id?: string } = {};
        loop.id = await worker.work<Payload>(QUEUE, workOptions as never, (async (jobs: JobWithMetadata<Payload>[]) => {
          for (const job of jobs) {
            const work = ctx.onJob(job.data);
            if (work) await work;
          }
          if (batchOfOne && loop.id) worker!.notifyWorker(loop.id);
          return perJob ? jobs.map((job) => ({ id: job.id, status: 'completed' as const })) : undefined;
        }) as never);
      }
    },
    remaining: () => counter.count(),
    storeStats: () => store.read(),
    async close() {
      await worker?.stop({ graceful: true, close: true, timeout: 5000 });
      await statistics?.stop();
      await producer?.stop({ graceful: true, close: true, timeout: 5000 });
      await counter.close();
      await store.close();
    },
  };
}

/**
 * The soak's raw pg-boss row: pg-boss with its own defaults, `new PgBoss({ connectionString })` and
 * `createQueue(name)` with no options, so its supervise/monitor intervals, its retention and
 * deletion (`deleteAfterSeconds`: 7 days), no LISTEN/NOTIFY and its 2 s polling interval are what
 * the soak measures. One `work()` option is not a default, because the default cannot carry any
 * load: at batch size 1 a loop fetches one job per polling interval (0.5 jobs/s). The loop fetches
 * up to 100 jobs and refetches at once while fetches come back full (`burstWhenBatchFull`, the
 * option pg-boss documents for throughput), and runs a batch's jobs one after another.
 * Enqueue-to-start therefore includes up to one 2 s polling interval.
 */
export const PG_BOSS_DEFAULTS_WORK_OPTIONS = { batchSize: 100, burstWhenBatchFull: true } as const;

export async function pgBossDefaultsSystem(ctx: SystemContext): Promise<BenchSystem> {
  const options = { connectionString: ctx.databaseUrl, application_name: 'bench-pg-boss' };
  let producer: PgBoss | undefined;
  let worker: PgBoss | undefined;
  const counter = countQuery(ctx.databaseUrl, PG_BOSS_REMAINING, [QUEUE]);
  const store = pgStoreStats(ctx.databaseUrl, [PG_BOSS_JOB_TABLE]);
  return {
    settings: {
      constructor: 'new PgBoss({ connectionString })',
      createQueue: 'createQueue(name) (no options)',
      work: PG_BOSS_DEFAULTS_WORK_OPTIONS,
      handler: "the batch's jobs one after another",
      sendMany: 'insert(name, jobs)',
    },
    async prepare() {
      producer = new PgBoss(options);
      producer.on('error', () => undefined);
      await producer.start();
      await producer.createQueue(QUEUE);
    },
    async send(data) {
      await producer!.send(QUEUE, data);
    },
    async sendMany(data) {
      await producer!.insert(QUEUE, data.map((d) => ({ data: d })));
    },
    async startWorkers() {
      worker = new PgBoss(options);
      worker.on('error', () => undefined);
      await worker.start();
      await worker.work<Payload>(QUEUE, PG_BOSS_DEFAULTS_WORK_OPTIONS, async (jobs) => {
        for (const job of jobs) {
          const work = ctx.onJob(job.data);
          if (work) await work;
        }
      });
    },
    remaining: () => counter.count(),
    storeStats: () => store.read(),
    async close() {
      await worker?.stop({ graceful: true, close: true, timeout: 5000 });
      await producer?.stop({ graceful: true, close: true, timeout: 5000 });
      await counter.close();
      await store.close();
    },
  };
}
