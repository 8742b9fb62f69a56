import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import { countQuery } from '../support/pg-count.js';
import { pgStoreStats } from '../support/store-stats.js';
import { QUEUE, type BenchSystem, type Payload, type SystemContext } from './system.interface.js';

/**
 * graphile-worker 0.18 with the configuration of its own performance page ("Quick stats"):
 * 24 concurrent jobs, a pool of 25, batching on (local queue of 500, batched completion).
 */
export const GRAPHILE_SETTINGS = {
  concurrency: 24,
  maxPoolSize: 25,
  localQueue: { size: 500 },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
} as const;

const silent = new Logger(() => () => undefined);

export async function graphileWorkerSystem(ctx: SystemContext): Promise<BenchSystem> {
  let utils: WorkerUtils | undefined;
  let runner: Runner | undefined;
  const counter = countQuery(ctx.databaseUrl, 'select count(*)::int as n from graphile_worker._private_jobs');
  // Soak: graphile-worker deletes a job when it completes; its one job table.
  const store = pgStoreStats(ctx.databaseUrl, ['graphile_worker._private_jobs']);
  return {
    settings: { ...GRAPHILE_SETTINGS, send: 'addJob', sendMany: 'addJobs' },
    async prepare() {
      utils = await makeWorkerUtils({ connectionString: ctx.databaseUrl, logger: silent });
      await utils.migrate();
    },
    async send(data) {
      await utils!.addJob(QUEUE, data);
    },
    async sendMany(data) {
      await utils!.addJobs(data.map((payload) => ({ identifier: QUEUE, payload })));
    },
    async startWorkers() {
      runner = await run({
        connectionString: ctx.databaseUrl,
        concurrency: GRAPHILE_SETTINGS.concurrency,
        maxPoolSize: GRAPHILE_SETTINGS.maxPoolSize,
        noHandleSignals: true,
        logger: silent,
        taskList: {
          [QUEUE]: async (payload) => {
            const work = ctx.onJob(payload as Payload);
            if (work) await work;
          },
        },
        preset: {
          worker: {
            localQueue: { ...GRAPHILE_SETTINGS.localQueue },
            completeJobBatchDelay: GRAPHILE_SETTINGS.completeJobBatchDelay,
            failJobBatchDelay: GRAPHILE_SETTINGS.failJobBatchDelay,
          },
        },
      });
    },
    remaining: () => counter.count(),
    storeStats: () => store.read(),
    async close() {
      await runner?.stop();
      await utils?.release();
      await counter.close();
      await store.close();
    },
  };
}
