import 'reflect-metadata';
import { Injectable, Module, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { JobHandler, JobsModule, JobsService, PG_BOSS, defineJob, type Job, type JobsModuleOptions } from '../../lib/index.js';
import { JobsPrometheusModule } from '../../lib/prometheus/index.js';
import { Registry } from 'prom-client';
import { PG_BOSS_JOB_TABLE, PG_BOSS_REMAINING, countQuery } from '../support/pg-count.js';
import { pgStoreStats } from '../support/store-stats.js';
import { registerTracingSdk } from '../support/tracing-sdk.js';
import {
  QUEUE,
  type BenchSystem,
  type Payload,
  type ProbeResult,
  type ProbedOptions,
  type SystemContext,
} from './system.interface.js';

/** The "tuned" row: a batch handler, several loops. Everything else stays at the defaults. */
export const TUNED_HANDLER_OPTIONS = { batchSize: 100, concurrency: 2 } as const;

const BenchJob = defineJob<Payload>(QUEUE);
let sink: (data: Payload) => void | Promise<void> = () => undefined;

@Injectable()
class DefaultHandler {
  // No options: the defaults are the product.
  @JobHandler(BenchJob)
  handle(job: Job<Payload>): void | Promise<void> {
    return sink(job.data);
  }
}

/** The `progress` row: the default handler reporting progress once, awaited, as it starts. */
@Injectable()
class ProgressHandler {
  @JobHandler(BenchJob)
  async handle(job: Job<Payload>): Promise<void> {
    sink(job.data);
    await job.updateProgress(100);
  }
}

@Injectable()
class TunedHandler {
  @JobHandler(BenchJob, TUNED_HANDLER_OPTIONS)
  handle(jobs: Job<Payload>[]): void | Promise<void> {
    for (let k = 0; k < jobs.length; k++) {
      const work = sink(jobs[k]!.data);
      // A job with work of its own (the soak's 5 ms handlers): the rest of the batch after it.
      if (work) return work.then(() => this.handle(jobs.slice(k + 1)));
    }
  }
}

/**
 * What a row sets besides the connection: module options (the `otel` row: `openTelemetry: true`),
 * and `prometheus` (the `prom` row: `JobsPrometheusModule` on a registry of its own, so every job
 * feeds its counters and histogram through the job events).
 */
type ExtraOptions = Pick<JobsModuleOptions, 'openTelemetry'> & { prometheus?: boolean };

function benchApp(databaseUrl: string, handler: Type, workers: boolean, extra: ExtraOptions): DynamicModule {
  const { prometheus, ...moduleOptions } = extra;
  @Module({})
  class BenchAppModule {}
  return {
    module: BenchAppModule,
    imports: [
      JobsModule.forRoot({ connectionString: databaseUrl, workers, logger: false, ...moduleOptions }),
      ...(prometheus ? [JobsPrometheusModule.forRoot({ registry: new Registry() })] : []),
    ],
    providers: [handler],
  };
}

async function createApp(
  databaseUrl: string,
  handler: Type,
  workers: boolean,
  extra: ExtraOptions = {},
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(benchApp(databaseUrl, handler, workers, extra), { logger: false });
  await app.init();
  return app;
}

/**
 * The rows of nest-pg-jobs:
 * - `default`: no handler options.
 * - `tuned`: batch 100 × 2 loops.
 * - `otel`: the default handler with `openTelemetry: true` and no OpenTelemetry SDK registered: what
 *   tracing costs an app that turns the option on before it installs an SDK, the job-span
 *   interceptor and pg-boss's telemetry running against the API's no-op providers.
 * - `otel-sdk`: the same with an SDK registered (support/tracing-sdk.ts: every span recorded, batched
 *   and handed to an exporter that drops it): what tracing costs per job when it is really on, the
 *   send, process, job and settle spans, the trace context stored with every job and, for a
 *   multi-job batch, read back once per batch. The exporter's encoding and network are left out.
 * - `prom`: the default handler with `JobsPrometheusModule`: the job events built and counted for
 *   every job.
 * - `progress`: a single-job handler that awaits `job.updateProgress(100)` once per job: the progress
 *   write (throttled at one write a second per job, so for one report per job, the first and only
 *   write: one UPDATE the handler waits for, and the `progress` event when anything observes events).
 */
export type NestPgJobsRow = 'default' | 'tuned' | 'otel' | 'otel-sdk' | 'prom' | 'progress';

/** What each row's two apps are built with (see {@link NestPgJobsRow}). */
const ROWS: Record<NestPgJobsRow, { handler: Type; extra: ExtraOptions; module: string; handlerText: string }> = {
  default: { handler: DefaultHandler, extra: {}, module: 'JobsModule.forRoot({ connectionString })', handlerText: '@JobHandler(def)' },
  tuned: {
    handler: TunedHandler,
    extra: {},
    module: 'JobsModule.forRoot({ connectionString })',
    handlerText: `@JobHandler(def, ${JSON.stringify(TUNED_HANDLER_OPTIONS)})`,
  },
  otel: {
    handler: DefaultHandler,
    extra: { openTelemetry: true },
    module: 'JobsModule.forRoot({ connectionString, openTelemetry: true }), no SDK registered',
    handlerText: '@JobHandler(def)',
  },
  'otel-sdk': {
    handler: DefaultHandler,
    extra: { openTelemetry: true },
    module:
      'JobsModule.forRoot({ connectionString, openTelemetry: true }), SDK registered: BasicTracerProvider (sample all) + ' +
      'BatchSpanProcessor into an exporter that drops the spans, AsyncLocalStorageContextManager, W3C trace-context + baggage propagators',
    handlerText: '@JobHandler(def)',
  },
  prom: {
    handler: DefaultHandler,
    extra: { prometheus: true },
    module: 'JobsModule.forRoot({ connectionString }) + JobsPrometheusModule.forRoot({ registry })',
    handlerText: '@JobHandler(def)',
  },
  progress: {
    handler: ProgressHandler,
    extra: {},
    module: 'JobsModule.forRoot({ connectionString })',
    handlerText: '@JobHandler(def), await job.updateProgress(100) once per job',
  },
};

/** nest-pg-jobs as a user runs it: one app sends (workers off), one app works. */
export async function nestPgJobsSystem(ctx: SystemContext, row: NestPgJobsRow): Promise<BenchSystem> {
  const { handler, extra, module, handlerText } = ROWS[row];
  // Before either app boots, as an application registers its SDK before Nest starts.
  if (row === 'otel-sdk') registerTracingSdk();
  sink = ctx.onJob;
  let producer: INestApplicationContext | undefined;
  let jobs: JobsService | undefined;
  let worker: INestApplicationContext | undefined;
  const counter = countQuery(ctx.databaseUrl, PG_BOSS_REMAINING, [QUEUE]);
  const store = pgStoreStats(ctx.databaseUrl, [PG_BOSS_JOB_TABLE]);
  return {
    settings: {
      module,
      handler: handlerText,
      send: 'JobsService.send',
      sendMany: 'JobsService.sendMany',
      library: 'lib/ sources of the working tree',
    },
    async prepare() {
      producer = await createApp(ctx.databaseUrl, handler, false, extra);
      jobs = producer.get(JobsService);
    },
    async send(data) {
      await jobs!.send(BenchJob, data);
    },
    async sendMany(data) {
      await jobs!.sendMany(BenchJob, data.map((d) => ({ data: d })));
    },
    async startWorkers() {
      worker = await createApp(ctx.databaseUrl, handler, true, extra);
    },
    remaining: () => counter.count(),
    storeStats: () => store.read(),
    async close() {
      await worker?.close();
      await producer?.close();
      await counter.close();
      await store.close();
    },
  };
}

const serializable = (value: unknown) =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value) ||
  (typeof value === 'object' && JSON.stringify(value) !== undefined && !(value instanceof Function));

/**
 * Boots nest-pg-jobs once (default and tuned handler) against a scratch database and records the
 * pg-boss options it ends up using: `createQueue` and `work` arguments from PgBoss's prototype,
 * and the constructor options that differ from a plain `new PgBoss({ connectionString })`. The raw
 * pg-boss rows run with exactly these, so they follow whatever the library changes.
 */
export async function probeNestPgJobs(databaseUrl: string): Promise<ProbeResult> {
  const proto = PgBoss.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = { work: proto.work!, createQueue: proto.createQueue!, updateQueue: proto.updateQueue! };
  const result: Partial<ProbeResult> = {};
  const baseline = configOf(new PgBoss({ connectionString: databaseUrl }));
  for (const [key, handler] of [['default', DefaultHandler], ['tuned', TunedHandler]] as const) {
    const seen: ProbedOptions = { constructorOptions: {}, queueOptions: {}, workOptions: null, workCalls: 0 };
    proto.work = function (this: unknown, ...args: unknown[]) {
      if (args[0] === QUEUE && typeof args[1] === 'object') {
        seen.workOptions = { ...(args[1] as object) };
        seen.workCalls += 1;
      }
      return original.work.apply(this, args);
    };
    proto.createQueue = function (this: unknown, ...args: unknown[]) {
      if (args[0] === QUEUE) seen.queueOptions = { ...((args[1] as object) ?? {}) };
      return original.createQueue.apply(this, args);
    };
    proto.updateQueue = function (this: unknown, ...args: unknown[]) {
      if (args[0] === QUEUE) Object.assign(seen.queueOptions, (args[1] as object) ?? {});
      return original.updateQueue.apply(this, args);
    };
    const app = await createApp(databaseUrl, handler, true);
    try {
      const config = configOf(app.get<PgBoss>(PG_BOSS));
      for (const [k, v] of Object.entries(config)) {
        if (k === 'application_name' || k === 'connectionString' || !serializable(v)) continue;
        if (JSON.stringify(v) !== JSON.stringify(baseline[k])) seen.constructorOptions[k] = v;
      }
    } finally {
      await app.close();
      Object.assign(proto, original);
    }
    // createQueue on an existing queue is never called again: start the next probe from scratch.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('drop schema if exists pgboss cascade');
    await client.end();
    result[key] = seen;
  }
  return result as ProbeResult;
}

/** The resolved constructor config of a PgBoss (its Db keeps it; getDb() is public). */
function configOf(boss: PgBoss): Record<string, unknown> {
  return ((boss.getDb() as unknown as { config?: Record<string, unknown> }).config ?? {}) as Record<string, unknown>;
}
