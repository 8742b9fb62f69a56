import { Queue, Worker, createPostgresBackend, withBackend } from 'bullmq';
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
    ctx.onJob(job.data);
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
    async close() {
      await worker?.close();
      await queue?.close();
    },
  };
}
