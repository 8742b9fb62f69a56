import { Queue, Worker, createPostgresBackend, withBackend } from 'bullmq';
import { Redis } from 'ioredis';
import { parseUsedMemory } from '../support/store-stats.js';
import { QUEUE, type BenchSystem, type Payload, type SystemContext } from './system.interface.js';

/**
 * BullMQ 6 with concurrency 50 (its documented lever for throughput), on Redis or on its
 * PostgreSQL backend (`withBackend(createPostgresBackend)`, schema migrated with `migrate: true`).
 * Completed jobs are trimmed to the last 1,000 (`removeOnComplete: { count: 1000 }`), as its
 * guide on auto-removal recommends, so Redis does not grow with every job of the run.
 */
export const BULLMQ_SETTINGS = {
  concurrency: 50,
  defaultJobOptions: { removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
} as const;

export async function bullmqSystem(ctx: SystemContext, backend: 'redis' | 'postgres'): Promise<BenchSystem> {
  // The two constructors differ only in their connection type; one shape serves both.
  type AnyQueue = Queue<Payload>;
  type AnyWorker = Worker<Payload>;
  let makeQueue: () => AnyQueue;
  let makeWorker: () => AnyWorker;
  const processor = async (job: { data: Payload }) => {
    const work = ctx.onJob(job.data);
    if (work) await work;
  };
  if (backend === 'redis') {
    const url = new URL(ctx.redisUrl!);
    const connection = { host: url.hostname, port: Number(url.port) };
    makeQueue = () => new Queue<Payload>(QUEUE, { connection, defaultJobOptions: BULLMQ_SETTINGS.defaultJobOptions });
    makeWorker = () => new Worker<Payload>(QUEUE, processor, { connection, concurrency: BULLMQ_SETTINGS.concurrency });
  } else {
    const pgClasses = withBackend(createPostgresBackend);
    const connection = { connectionString: ctx.databaseUrl, migrate: true };
    makeQueue = () =>
      new pgClasses.Queue<Payload>(QUEUE, { connection, defaultJobOptions: BULLMQ_SETTINGS.defaultJobOptions }) as unknown as AnyQueue;
    makeWorker = () =>
      new pgClasses.Worker<Payload>(QUEUE, processor, { connection, concurrency: BULLMQ_SETTINGS.concurrency }) as unknown as AnyWorker;
  }
  let queue: AnyQueue | undefined;
  let worker: AnyWorker | undefined;
  let info: Redis | undefined;
  return {
    settings: { backend, ...BULLMQ_SETTINGS, send: 'Queue.add', sendMany: 'Queue.addBulk' },
    async prepare() {
      queue = makeQueue();
      queue.on('error', () => undefined);
      await queue.waitUntilReady();
    },
    async send(data) {
      await queue!.add(QUEUE, data);
    },
    async sendMany(data) {
      await queue!.addBulk(data.map((d) => ({ name: QUEUE, data: d })));
    },
    async startWorkers() {
      worker = makeWorker();
      worker.on('error', () => undefined);
      await worker.waitUntilReady();
    },
    async remaining() {
      const counts = await queue!.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    // Soak: Redis's used_memory (the whole server: the harness flushes it before each run), on a
    // connection of the harness's own. The Postgres backend has no reader (not a soak row).
    ...(backend === 'redis'
      ? {
          async storeStats() {
            info ??= new Redis(ctx.redisUrl!, { lazyConnect: false, maxRetriesPerRequest: 1 });
            return { kind: 'redis' as const, tableBytes: parseUsedMemory(await info.info('memory')), indexBytes: 0 };
          },
        }
      : {}),
    async close() {
      await worker?.close();
      await queue?.close();
      await info?.quit();
    },
  };
}
