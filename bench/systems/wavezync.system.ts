import 'reflect-metadata';
import { Injectable, Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Job as WzJob, PgBossModule, PgBossService } from '@wavezync/nestjs-pgboss';
import type { JobWithMetadata } from 'pg-boss';
import { PG_BOSS_REMAINING, countQuery } from '../support/pg-count.js';
import { QUEUE, type BenchSystem, type Payload, type SystemContext } from './system.interface.js';

/**
 * @wavezync/nestjs-pgboss 5 passes pg-boss's `work()` options through `@Job(name, options)`. Its
 * throughput settings are pg-boss's: a batch of 100 with `burstWhenBatchFull` and the fastest
 * polling pg-boss allows. It has no LISTEN/NOTIFY switch of its own (its `createQueue` sets no
 * `notify`), so a new job waits for the next poll.
 */
export const WAVEZYNC_WORK_OPTIONS = { batchSize: 100, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 } as const;

let sink: (data: Payload) => void | Promise<void> = () => undefined;

@Injectable()
class WavezyncHandler {
  @WzJob(QUEUE, WAVEZYNC_WORK_OPTIONS)
  async handle(jobs: JobWithMetadata<Payload>[]): Promise<void> {
    for (const job of jobs) {
      const work = sink(job.data);
      if (work) await work;
    }
  }
}

function wavezyncApp(databaseUrl: string, withHandler: boolean): DynamicModule {
  @Module({})
  class WavezyncBenchModule {}
  return {
    module: WavezyncBenchModule,
    imports: [PgBossModule.forRootAsync({ useFactory: () => ({ connectionString: databaseUrl }) })],
    providers: withHandler ? [WavezyncHandler] : [],
  };
}

export async function wavezyncSystem(ctx: SystemContext): Promise<BenchSystem> {
  sink = ctx.onJob;
  let producer: INestApplicationContext | undefined;
  let service: PgBossService | undefined;
  let worker: INestApplicationContext | undefined;
  const counter = countQuery(ctx.databaseUrl, PG_BOSS_REMAINING, [QUEUE]);
  const create = async (withHandler: boolean) => {
    const app = await NestFactory.createApplicationContext(wavezyncApp(ctx.databaseUrl, withHandler), { logger: false });
    await app.init();
    return app;
  };
  return {
    settings: {
      module: 'PgBossModule.forRootAsync({ useFactory: () => ({ connectionString }) })',
      handler: `@Job(name, ${JSON.stringify(WAVEZYNC_WORK_OPTIONS)})`,
      send: 'PgBossService.scheduleJob (createQueue + send)',
      sendMany: 'PgBossService.boss.insert (it has no bulk API)',
    },
    async prepare() {
      producer = await create(false);
      service = producer.get(PgBossService);
      await service!.boss.createQueue(QUEUE);
    },
    async send(data) {
      await service!.scheduleJob(QUEUE, data);
    },
    async sendMany(data) {
      await service!.boss.insert(QUEUE, data.map((d) => ({ data: d })));
    },
    async startWorkers() {
      worker = await create(true);
    },
    remaining: () => counter.count(),
    async close() {
      await worker?.close();
      await producer?.close();
      await counter.close();
    },
  };
}
