import { PgBoss, type JobWithMetadata } from 'pg-boss';
import { PG_BOSS_REMAINING, countQuery } from '../support/pg-count.js';
import { QUEUE, type BenchSystem, type Payload, type SystemContext } from './system.interface.js';

/**
 * Raw pg-boss with the options nest-pg-jobs was seen to use (probed at the start of the run), and
 * the one public-API step the module adds to them: `notifyWorker` on the queue's loops after each
 * batch, so a loop refetches at once instead of sleeping a polling interval (docs/architecture.md,
 * "Batch size 1 never bursts"). Without it, batch size 1 caps a loop at one job per interval.
 */
export async function pgBossSystem(ctx: SystemContext, tuned: boolean): Promise<BenchSystem> {
  const probed = ctx.probe?.[tuned ? 'tuned' : 'default'];
  if (!probed?.workOptions) throw new Error('pg-boss: no probed nest-pg-jobs options (the probe saw no work() call)');
  const constructorOptions = { ...probed.constructorOptions, connectionString: ctx.databaseUrl, application_name: 'bench-pg-boss' };
  const workOptions = probed.workOptions;
  const perJob = workOptions.perJobResults === true;
  let producer: PgBoss | undefined;
  let worker: PgBoss | undefined;
  const counter = countQuery(ctx.databaseUrl, PG_BOSS_REMAINING, [QUEUE]);
  return {
    settings: {
      mirrors: tuned ? 'nest-pg-jobs-tuned' : 'nest-pg-jobs',
      constructor: probed.constructorOptions,
      createQueue: probed.queueOptions,
      work: workOptions,
      wakeAfterBatch: 'notifyWorker(loop ids)',
      sendMany: 'insert(name, jobs, { returnId: true })',
    },
    async prepare() {
      producer = new PgBoss(constructorOptions);
      producer.on('error', () => undefined);
      await producer.start();
      await producer.createQueue(QUEUE, probed.queueOptions);
    },
    async send(data) {
      await producer!.send(QUEUE, data);
    },
    async sendMany(data) {
      await producer!.insert(QUEUE, data.map((d) => ({ data: d })), { returnId: true });
    },
    async startWorkers() {
      worker = new PgBoss(constructorOptions);
      worker.on('error', () => undefined);
      await worker.start();
      let loops: string[] = [];
      await worker.work<Payload>(QUEUE, workOptions as never, (async (jobs: JobWithMetadata<Payload>[]) => {
        for (const job of jobs) ctx.onJob(job.data);
        for (const id of loops) worker!.notifyWorker(id);
        return perJob ? jobs.map((job) => ({ id: job.id, status: 'completed' as const })) : undefined;
      }) as never);
      loops = worker.getWipData().filter((w) => w.name === QUEUE).map((w) => w.id);
    },
    remaining: () => counter.count(),
    async close() {
      await worker?.stop({ graceful: true, close: true, timeout: 5000 });
      await producer?.stop({ graceful: true, close: true, timeout: 5000 });
      await counter.close();
    },
  };
}
