// OpenTelemetry end to end: an HTTP app that sends jobs and the worker apps that run them, against a
// real PostgreSQL, with the OpenTelemetry SDK registered globally as an application registers it
// (in-memory exporters). What a span or metric must never carry: the payload.
import {
  Controller,
  Injectable,
  Module,
  Param,
  Post,
  Query,
  type DynamicModule,
  type INestApplication,
  type INestApplicationContext,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, metrics, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { PgBoss } from 'pg-boss';
import { defineJob, JobHandler, JobLogger, JobsModule, JobsService, type Job, type JobsModuleOptions } from '../../lib/index.js';
import { databaseUrl, dropSchema, sql, track, uniqueSchema, waitFor } from '../support/e2e.js';

/** Payload values no span, event, link or metric may carry. */
const CARD = 'card-4242-payload-marker';
const ORDER_MARK = 'order-payload-marker';

const Charge = defineJob<{ orderId: string; card: string }>('otel-charge', { retryLimit: 1, retryDelay: 0 });
const Burst = defineJob<{ request: string; n: number; card: string }>('otel-burst');
const Quiet = defineJob<{ card: string }>('otel-off');
// With `boss`, the application's own PgBoss.
const BossCharge = defineJob<{ card: string }>('otel-boss-charge');
const BossBurst = defineJob<{ n: number; card: string }>('otel-boss-burst');
const BossOwnTracer = defineJob<{ card: string }>('otel-boss-own-tracer');
// A handler that never settles on its own, past its job's expiry.
const Hangs = defineJob<{ card: string }>('otel-hangs', { expireInSeconds: 1, retryLimit: 0 });
// With `propagateContext: false`.
const Unpropagated = defineJob<{ n: number; card: string }>('otel-unpropagated');

// The application's own tracer, as its code and its instrumentations would use it.
const tracer = trace.getTracer('shop');

@Controller()
class ShopController {
  constructor(private readonly jobs: JobsService) {}

  // No HTTP auto-instrumentation is installed: the request gets its SERVER span here, active while
  // the controller runs, as @opentelemetry/instrumentation-http would give it.
  @Post('orders/:id/charge')
  charge(@Param('id') orderId: string) {
    return tracer.startActiveSpan('POST /orders/:id/charge', { kind: SpanKind.SERVER }, async (span) => {
      try {
        const id = await this.jobs.send(Charge, { orderId: `${orderId}-${ORDER_MARK}`, card: CARD });
        return { ids: [id], ...span.spanContext() };
      } finally {
        span.end();
      }
    });
  }

  @Post('hangs')
  hangs() {
    return tracer.startActiveSpan('POST /hangs', { kind: SpanKind.SERVER }, async (span) => {
      try {
        return { ids: [await this.jobs.send(Hangs, { card: CARD })], ...span.spanContext() };
      } finally {
        span.end();
      }
    });
  }

  // Many sends from one request at once: they share INSERTs.
  @Post('bursts/:request')
  burst(@Param('request') request: string, @Query('count') count: string) {
    return tracer.startActiveSpan('POST /bursts/:request', { kind: SpanKind.SERVER }, async (span) => {
      try {
        const ids = await Promise.all(
          Array.from({ length: Number(count) }, (_, n) => this.jobs.send(Burst, { request, n, card: CARD })),
        );
        return { ids, ...span.spanContext() };
      } finally {
        span.end();
      }
    });
  }
}

@Injectable()
class Payments {
  private readonly logger = new JobLogger(Payments.name);

  @JobHandler(Charge)
  async charge(job: Job<{ orderId: string; card: string }>) {
    this.logger.log(`charging attempt ${job.attempt}`);
    await tracer.startActiveSpan('card-gateway.charge', async (span) => span.end());
    if (job.data.orderId.startsWith('declined') && job.attempt === 1) throw new Error('card declined');
  }
}

@Injectable()
class Bursts {
  @JobHandler(Burst)
  async run() {
    tracer.startSpan('burst.step').end();
  }
}

@Injectable()
class QuietJobs {
  readonly done: string[] = [];

  @JobHandler(Quiet)
  async run(job: Job<{ card: string }>) {
    this.done.push(job.id);
  }
}

@Injectable()
class BossJobs {
  private readonly logger = new JobLogger(BossJobs.name);

  @JobHandler(BossCharge)
  async charge() {
    this.logger.log("charging with the app's own PgBoss");
    tracer.startSpan('boss.gateway').end();
  }
}

@Injectable()
class BossOwnTracerJobs {
  @JobHandler(BossOwnTracer)
  async run() {
    tracer.startSpan('boss-own-tracer.step').end();
  }
}

@Injectable()
class BossBursts {
  @JobHandler(BossBurst)
  async run() {
    tracer.startSpan('boss-burst.step').end();
  }
}

@Injectable()
class HangingJobs {
  /** Lets the hanging handlers return, once the test has seen what it waits for. */
  readonly release: Array<() => void> = [];

  @JobHandler(Hangs)
  async hang() {
    await new Promise<void>((resolve) => this.release.push(resolve));
  }
}

@Injectable()
class UnpropagatedJobs {
  @JobHandler(Unpropagated)
  async run() {
    tracer.startSpan('unpropagated.step').end();
  }
}

/** Every line JobLogger and Nest write, with its context. */
class CapturingLogger implements LoggerService {
  readonly lines: Array<{ context: unknown; message: unknown }> = [];
  log(message: unknown, context?: unknown) {
    this.lines.push({ context, message });
  }
  error(message: unknown, context?: unknown) {
    this.lines.push({ context, message });
  }
  warn(message: unknown, context?: unknown) {
    this.lines.push({ context, message });
  }
}

@Module({})
class TelemetryTestModule {}

describe('OpenTelemetry traces and metrics', () => {
  const schema = uniqueSchema('otel');
  const quietSchema = uniqueSchema('otel_off');
  const bossSchema = uniqueSchema('otel_boss');
  const unpropagatedSchema = uniqueSchema('otel_noprop');
  /** PgBoss instances the tests built, as an application would: the module never stops them. */
  const bosses: PgBoss[] = [];
  const apps: INestApplicationContext[] = [];
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exported only when the test flushes it.
  const metricReader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [metricReader] });
  const logger = new CapturingLogger();
  let api: INestApplication;
  let baseUrl: string;

  const jobsOptions = (extra: Partial<JobsModuleOptions>): JobsModuleOptions => ({
    connectionString: databaseUrl(),
    schema,
    logger: false,
    startAttempts: 1,
    openTelemetry: true,
    ...extra,
  });

  async function workerApp(providers: DynamicModule['providers'], options: Partial<JobsModuleOptions> = {}) {
    const app = await NestFactory.createApplicationContext(
      { module: TelemetryTestModule, imports: [JobsModule.forRoot(jobsOptions(options))], providers },
      { logger, abortOnError: false },
    );
    apps.push(app);
    return track(app);
  }

  /**
   * A worker app on a PgBoss the test built, as an application passes it in `boss`: its telemetry is
   * pg-boss's own option, here storing the trace context at send.
   */
  async function bossApp(providers: DynamicModule['providers'], options: Partial<JobsModuleOptions> = {}) {
    const boss = new PgBoss({ connectionString: databaseUrl(), schema: bossSchema, openTelemetry: { propagateContext: true } });
    bosses.push(boss);
    return workerApp(providers, { connectionString: undefined, boss, schema: bossSchema, ...options });
  }

  /** Runs `send` in a SERVER span, as a request would with HTTP instrumentation: its job ids and span. */
  function inRequest(name: string, send: () => Promise<Array<string | null>>) {
    return tracer.startActiveSpan(name, { kind: SpanKind.SERVER }, async (span) => {
      try {
        const ids = (await send()).map((id) => id!);
        return { ids, ...span.spanContext() };
      } finally {
        span.end();
      }
    });
  }

  async function post(path: string): Promise<{ ids: string[]; traceId: string; spanId: string }> {
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST' });
    expect(response.status).toBe(201);
    return (await response.json()) as { ids: string[]; traceId: string; spanId: string };
  }

  const finished = (): ReadableSpan[] => spans.getFinishedSpans();
  /** Waits until exactly `count` finished spans are named `name`, and returns them. */
  const spansNamed = (name: string, count: number, message: string) =>
    waitFor(
      () => {
        const found = finished().filter((span) => span.name === name);
        return found.length === count ? found : undefined;
      },
      { message },
    );
  /** Waits for pg-boss process spans of `queue` over a batch of several jobs, and returns them. */
  const multiJobProcessSpans = (queue: string) =>
    waitFor(
      () => {
        const found = finished().filter(
          (span) => span.name === `process ${queue}` && Number(span.attributes['messaging.batch.message_count']) > 1,
        );
        return found.length > 0 ? found : undefined;
      },
      { message: 'a multi-job process span' },
    );
  const ofTrace = (traceId: string) => finished().filter((span) => span.spanContext().traceId === traceId);
  const jobSpans = (name: string, id: string) =>
    finished().filter((span) => span.name === name && span.attributes['messaging.message.id'] === id);
  /** The data points of metric `name` with `attributes`, in the last export (cumulative). */
  const points = (name: string, attributes: Record<string, string>) =>
    (metricExporter.getMetrics().at(-1)?.scopeMetrics ?? [])
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[])
      .filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value));
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const idOf = (span: ReadableSpan) => span.spanContext().spanId;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);

    // An API instance that only sends, and a worker instance, as deployed apart.
    api = await NestFactory.create(
      {
        module: TelemetryTestModule,
        imports: [JobsModule.forRoot(jobsOptions({ workers: false, queues: [Charge, Burst, Hangs] }))],
        controllers: [ShopController],
      },
      { logger, abortOnError: false },
    );
    apps.push(track(api));
    await api.listen(0, '127.0.0.1');
    baseUrl = await api.getUrl();
    await workerApp([Payments]);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const boss of bosses) await boss.stop({ graceful: false });
    for (const dropped of [schema, quietSchema, bossSchema, unpropagatedSchema]) await dropSchema(dropped);
    // Undo every global registration, so nothing leaks into a spec file that runs after this one.
    trace.disable();
    context.disable();
    propagation.disable();
    metrics.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  it("puts the request, pg-boss's send and process spans, the job span and the handler's span in one trace", async () => {
    const request = await post('/orders/paid-1/charge');
    const id = request.ids[0]!;
    // pg-boss ends its process span after recording the completion, after the job span.
    const [send, process, job, gateway] = await waitFor(
      () => {
        const inTrace = ofTrace(request.traceId);
        const found = ['send otel-charge', 'process otel-charge', 'Payments.charge', 'card-gateway.charge'].map((name) =>
          inTrace.find((span) => span.name === name),
        );
        return found.every(Boolean) ? (found as [ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan]) : undefined;
      },
      { message: 'the spans of the charge job in the request trace' },
    );
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(send)).toBe(request.spanId);
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(process)).toBe(idOf(send));
    expect(job.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(job)).toBe(idOf(process));
    expect(job.attributes).toMatchObject({
      'messaging.system': 'pg-boss',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'otel-charge',
      'messaging.message.id': id,
      'pgboss.job.retry_count': 0,
      'code.function.name': 'Payments.charge',
    });
    expect(job.status.code).toBe(SpanStatusCode.UNSET);
    expect(parentOf(gateway)).toBe(idOf(job));

    // The handler's JobLogger line carries the ids of the span it was logged in: the job span.
    expect(logger.lines).toContainEqual({
      context: 'Payments',
      message: `[otel-charge ${id} #1 trace_id=${request.traceId} span_id=${idOf(job)}] charging attempt 1`,
    });

    // What pg-boss stored with the job: the send span's W3C traceparent, and nothing else.
    const [row] = await sql<{ trace_context: unknown; bytes: number }>(
      `SELECT trace_context, pg_column_size(trace_context) AS bytes FROM "${schema}".job WHERE id = $1`,
      [id],
    );
    expect(row!.trace_context).toEqual({ traceparent: `00-${request.traceId}-${idOf(send)}-01` });
    expect(row!.bytes).toBe(79);
  });

  it("records a failed attempt on its job span (exception, error status) and keeps the retry in the sender's trace", async () => {
    const request = await post('/orders/declined-1/charge');
    const id = request.ids[0]!;
    const attempts = await waitFor(
      () => {
        const found = jobSpans('Payments.charge', id);
        return found.length === 2 ? found : undefined;
      },
      { message: 'two attempts of the declined job' },
    );
    const [first, second] = [...attempts].sort(
      (a, b) => Number(a.attributes['pgboss.job.retry_count']) - Number(b.attributes['pgboss.job.retry_count']),
    );
    expect(first!.attributes['pgboss.job.retry_count']).toBe(0);
    expect(first!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'card declined' });
    expect(first!.attributes['error.type']).toBe('Error');
    expect(first!.events.map((event) => [event.name, event.attributes?.['exception.message']])).toEqual([
      ['exception', 'card declined'],
    ]);
    expect(second!.attributes['pgboss.job.retry_count']).toBe(1);
    expect(second!.status.code).toBe(SpanStatusCode.UNSET);
    for (const attempt of [first!, second!]) expect(attempt.spanContext().traceId).toBe(request.traceId);
  });

  it("puts each request's burst of jobs in that request's trace, also when a worker takes them in multi-job batches", async () => {
    const [a, b] = await Promise.all([post('/bursts/a?count=20'), post('/bursts/b?count=20')]);
    // Each request's concurrent sends shared INSERTs, made in its own trace.
    for (const request of [a, b]) {
      const producers = ofTrace(request.traceId).filter((span) => span.kind === SpanKind.PRODUCER);
      expect(producers.map((span) => span.name).sort()).toContain('insert otel-burst');
      for (const producer of producers) expect(parentOf(producer)).toBe(request.spanId);
    }

    // The worker starts with 40 jobs waiting: after its first job it fetches many at once.
    await workerApp([Bursts]);
    const all = await spansNamed('Bursts.run', 40, 'the 40 burst job spans');
    const batches = await multiJobProcessSpans('otel-burst');
    for (const request of [a, b]) {
      const ids = new Set(request.ids);
      const ofRequest = all.filter((span) => ids.has(String(span.attributes['messaging.message.id'])));
      expect(ofRequest).toHaveLength(20);
      for (const span of ofRequest) expect(span.spanContext().traceId).toBe(request.traceId);
    }
    // The jobs of multi-job batches: parent is their own send, link to pg-boss's batch span.
    const batchSpanIds = new Set(batches.map(idOf));
    const fromBatches = all.filter((span) => span.links.some((link) => batchSpanIds.has(link.context.spanId)));
    expect(fromBatches.length).toBeGreaterThan(1);
    for (const span of fromBatches) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      const parent = finished().find((candidate) => idOf(candidate) === parentOf(span));
      expect(parent?.kind).toBe(SpanKind.PRODUCER);
      expect(parent?.name).toMatch(/^(send|insert) otel-burst$/);
    }
  });

  it("with boss (the app's own PgBoss, storing trace contexts), adds the job span under pg-boss's process span in the sender's trace, and trace ids to JobLogger lines", async () => {
    const app = await bossApp([BossJobs]);
    const request = await inRequest('POST /boss/charge', async () => [await app.get(JobsService).send(BossCharge, { card: CARD })]);
    const id = request.ids[0]!;
    const [send, process, job, gateway] = await waitFor(
      () => {
        const inTrace = ofTrace(request.traceId);
        const found = ['send otel-boss-charge', 'process otel-boss-charge', 'BossJobs.charge', 'boss.gateway'].map((name) =>
          inTrace.find((span) => span.name === name),
        );
        return found.every(Boolean) ? (found as [ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan]) : undefined;
      },
      { message: "the spans of the boss charge job in the request's trace" },
    );
    expect(parentOf(send)).toBe(request.spanId);
    expect(parentOf(process)).toBe(idOf(send));
    expect(job.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(job)).toBe(idOf(process));
    expect(job.attributes).toMatchObject({
      'messaging.system': 'pg-boss',
      'messaging.destination.name': 'otel-boss-charge',
      'messaging.message.id': id,
      'code.function.name': 'BossJobs.charge',
    });
    expect(parentOf(gateway)).toBe(idOf(job));
    expect(logger.lines).toContainEqual({
      context: 'BossJobs',
      message: `[otel-boss-charge ${id} #1 trace_id=${request.traceId} span_id=${idOf(job)}] charging with the app's own PgBoss`,
    });
    const [row] = await sql<{ trace_context: unknown }>(`SELECT trace_context FROM "${bossSchema}".job WHERE id = $1`, [id]);
    expect(row!.trace_context).toEqual({ traceparent: `00-${request.traceId}-${idOf(send)}-01` });
    await app.close();
  });

  it("with boss, reads the stored contexts of multi-job batches too: each job of a busy queue lands in its own request's trace", async () => {
    const sender = await bossApp([], { workers: false, queues: [BossBurst] });
    const send = () =>
      Promise.all(Array.from({ length: 15 }, (_, n) => sender.get(JobsService).send(BossBurst, { n, card: CARD })));
    const [a, b] = await Promise.all([inRequest('POST /boss/bursts/a', send), inRequest('POST /boss/bursts/b', send)]);

    // The worker starts with 30 jobs waiting: after its first job it fetches many at once.
    const worker = await bossApp([BossBursts]);
    const all = await spansNamed('BossBursts.run', 30, 'the 30 boss burst job spans');
    // pg-boss ends its process span after recording the batch's results, after the job spans.
    const batches = await multiJobProcessSpans('otel-boss-burst');
    for (const request of [a!, b!]) {
      const ids = new Set(request.ids);
      const ofRequest = all.filter((span) => ids.has(String(span.attributes['messaging.message.id'])));
      expect(ofRequest).toHaveLength(15);
      for (const span of ofRequest) expect(span.spanContext().traceId).toBe(request.traceId);
    }
    const batchSpanIds = new Set(batches.map(idOf));
    const fromBatches = all.filter((span) => span.links.some((link) => batchSpanIds.has(link.context.spanId)));
    expect(fromBatches.length).toBeGreaterThan(1);
    for (const span of fromBatches) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      const parent = finished().find((candidate) => idOf(candidate) === parentOf(span));
      expect(parent?.kind).toBe(SpanKind.PRODUCER);
      expect(parent?.name).toMatch(/^(send|insert) otel-boss-burst$/);
    }
    await worker.close();
    await sender.close();
  });

  it("with boss and { tracerProvider }, makes the job spans with that provider, children of the process span of the boss's own telemetry", async () => {
    const own = new InMemorySpanExporter();
    const ownProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(own)] });
    const app = await bossApp([BossOwnTracerJobs], { openTelemetry: { tracerProvider: ownProvider } });
    const request = await inRequest('POST /boss/own-tracer', async () => [
      await app.get(JobsService).send(BossOwnTracer, { card: CARD }),
    ]);
    const id = request.ids[0]!;
    const job = await waitFor(
      () => own.getFinishedSpans().find((span) => span.attributes['messaging.message.id'] === id),
      { message: "the job span in the given provider's exporter" },
    );
    const [process, step] = await waitFor(
      () => {
        const inTrace = ofTrace(request.traceId);
        const found = ['process otel-boss-own-tracer', 'boss-own-tracer.step'].map((name) => inTrace.find((span) => span.name === name));
        return found.every(Boolean) ? (found as [ReadableSpan, ReadableSpan]) : undefined;
      },
      { message: "pg-boss's process span and the handler's span in the global provider" },
    );
    expect(job.name).toBe('BossOwnTracerJobs.run');
    expect(job.spanContext().traceId).toBe(request.traceId);
    expect(parentOf(job)).toBe(idOf(process));
    expect(parentOf(step)).toBe(idOf(job));
    // The global provider, pg-boss's here, made no job span.
    expect(jobSpans('BossOwnTracerJobs.run', id)).toEqual([]);
    await app.close();
    await ownProvider.shutdown();
  });

  it("with propagateContext: false, stores no trace context and runs each job outside its sender's trace, in the trace of pg-boss's process span", async () => {
    const options: Partial<JobsModuleOptions> = { schema: unpropagatedSchema, openTelemetry: { propagateContext: false } };
    const sender = await workerApp([], { ...options, workers: false, queues: [Unpropagated] });
    const request = await inRequest('POST /unpropagated', () =>
      Promise.all(Array.from({ length: 20 }, (_, n) => sender.get(JobsService).send(Unpropagated, { n, card: CARD }))),
    );
    // pg-boss still records the sends, in the request's trace.
    const producers = ofTrace(request.traceId).filter((span) => span.kind === SpanKind.PRODUCER);
    expect(producers.length).toBeGreaterThan(0);
    for (const producer of producers) expect(parentOf(producer)).toBe(request.spanId);

    // The worker starts with 20 jobs waiting: one alone first, then batches of several.
    await workerApp([UnpropagatedJobs], options);
    const all = await spansNamed('UnpropagatedJobs.run', 20, 'the 20 unpropagated job spans');
    const rows = await sql<{ trace_context: unknown }>(
      `SELECT trace_context FROM "${unpropagatedSchema}".job WHERE name = $1`,
      ['otel-unpropagated'],
    );
    expect(rows.map((row) => row.trace_context)).toEqual(Array.from({ length: 20 }, () => null));
    const processes = new Map<string, ReadableSpan>();
    for (const span of all) {
      expect(span.spanContext().traceId).not.toBe(request.traceId);
      expect(span.kind).toBe(SpanKind.INTERNAL);
      expect(span.links).toEqual([]);
      const parent = await waitFor(() => finished().find((candidate) => idOf(candidate) === parentOf(span)), {
        message: 'the parent of an unpropagated job span',
      });
      expect(parent.name).toBe('process otel-unpropagated');
      // pg-boss's process span starts the trace: it has no parent.
      expect(parentOf(parent)).toBeUndefined();
      expect(parent.spanContext().traceId).toBe(span.spanContext().traceId);
      processes.set(idOf(parent), parent);
    }
    // A job fetched alone has a trace of its own; the jobs of one fetched batch share its trace.
    // pg-boss sets messaging.batch.message_count on a batch of several only.
    const sizes = [...processes.values()].map((span) => Number(span.attributes['messaging.batch.message_count'] ?? 1));
    expect(sizes).toContain(1);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
  });

  it('ends the job span of a handler that never settles once the runner abandons it, as a failure', async () => {
    const app = await workerApp([HangingJobs]);
    const request = await post('/hangs');
    const id = request.ids[0]!;
    const span = await waitFor(() => jobSpans('HangingJobs.hang', id)[0], { message: 'the abandoned job span to end' });
    expect(app.get(HangingJobs).release).toHaveLength(1); // the handler is still running
    expect(span.spanContext().traceId).toBe(request.traceId);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toMatch(/^The handler of otel-hangs .+ was still running 2000 ms after its job's signal aborted/);
    expect(span.attributes['error.type']).toBe('Error');
    expect(span.events.map((event) => [event.name, event.attributes?.['exception.message']])).toEqual([
      ['exception', span.status.message],
    ]);
    const [row] = await sql<{ state: string }>(`SELECT state FROM "${schema}".job WHERE id = $1`, [id]);
    expect(row!.state).toBe('failed');
    for (const release of app.get(HangingJobs).release) release();
    await app.close();
  });

  it('reports sends, deliveries, processing and failed attempts per queue through pg-boss\'s instruments', async () => {
    metricExporter.reset();
    await metricReader.forceFlush();
    const sum = (name: string, attributes: Record<string, string>) =>
      points(name, attributes).reduce((total, point) => total + (point.value as number), 0);
    const count = (name: string, attributes: Record<string, string>) =>
      points(name, attributes).reduce((total, point) => total + (point.value as Histogram).count, 0);
    const charge = { 'messaging.destination.name': 'otel-charge' };
    const burst = { 'messaging.destination.name': 'otel-burst' };

    expect(sum('messaging.client.sent.messages', charge)).toBe(2);
    expect(sum('messaging.client.sent.messages', burst)).toBe(40);
    // Two jobs, three deliveries: the declined one ran twice.
    expect(sum('messaging.client.consumed.messages', charge)).toBe(3);
    expect(sum('messaging.client.consumed.messages', burst)).toBe(40);
    expect(count('messaging.process.duration', charge)).toBe(3);
    // A failed attempt is a `fail` settle operation; pg-boss's process span and histogram do not
    // count it as failed, since the module settles each job on its own (perJobResults).
    expect(count('messaging.client.operation.duration', { ...charge, 'messaging.operation.name': 'fail' })).toBe(1);
    expect(count('messaging.client.operation.duration', { ...charge, 'messaging.operation.name': 'complete' })).toBe(2);
  });

  it('writes no payload value into any span, event, link or metric attribute', async () => {
    await metricReader.forceFlush();
    const texts = [
      ...finished().flatMap((span) => [
        span.name,
        JSON.stringify(span.attributes),
        JSON.stringify(span.events),
        JSON.stringify(span.links),
        JSON.stringify(span.status),
      ]),
      JSON.stringify(
        metricExporter
          .getMetrics()
          .flatMap((resource) => resource.scopeMetrics)
          .flatMap((scope) => scope.metrics)
          .flatMap((metric) => (metric.dataPoints as DataPoint<unknown>[]).map((point) => point.attributes)),
      ),
    ];
    expect(texts.length).toBeGreaterThan(100);
    for (const text of texts) {
      expect(text).not.toContain(CARD);
      expect(text).not.toContain(ORDER_MARK);
    }
  });

  it('records nothing and stores no trace context when openTelemetry is not set, though an SDK is registered', async () => {
    const app: INestApplicationContext = track(
      await NestFactory.createApplicationContext(
        {
          module: TelemetryTestModule,
          imports: [JobsModule.forRoot({ ...jobsOptions({}), schema: quietSchema, openTelemetry: undefined })],
          providers: [QuietJobs],
        },
        { logger: false, abortOnError: false },
      ),
    );
    const id = await tracer.startActiveSpan('POST /quiet', async (span) => {
      try {
        return await app.get(JobsService).send(Quiet, { card: CARD });
      } finally {
        span.end();
      }
    });
    await waitFor(() => app.get(QuietJobs).done.includes(id!), { message: 'the quiet job' });
    const [row] = await sql<{ trace_context: unknown }>(`SELECT trace_context FROM "${quietSchema}".job WHERE id = $1`, [id]);
    expect(row!.trace_context).toBeNull();
    // pg-boss's send span would have ended before send() returned; no job span either.
    expect(finished().filter((span) => span.attributes['messaging.destination.name'] === 'otel-off')).toEqual([]);
    await metricReader.forceFlush();
    expect(points('messaging.client.sent.messages', { 'messaging.destination.name': 'otel-off' })).toEqual([]);
    await app.close();
  });
});
