// nest-pg-jobs/prometheus without a database: the queue gauges over a fake JobsBackend (one read
// per scrape, nothing while the module is not running, nothing but a log line when the read fails),
// the job counters and the duration over the testing kit, the same names through OpenTelemetry and
// @opentelemetry/exporter-prometheus, the option checks, and the optional peers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable, type LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Registry } from 'prom-client';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { defineJob, JobHandler, JobsConfigurationError, JobsService, type Job } from '../../lib/index.js';
import { getJobsTester, JobsTestingModule } from '../../lib/testing/index.js';
import { JOBS_PROMETHEUS_OPTIONS, JobsPrometheusModule, type JobsPrometheusOptions } from '../../lib/prometheus/index.js';
import { JobsRegistry } from '../../lib/runtime/jobs.registry.js';
import type { JobsBackend, QueueGauges } from '../../lib/backend/jobs-backend.js';
import type { DeclaredQueue } from '../../lib/declare/declared-queues.js';
import { QueueGaugesReader } from '../../lib/prometheus/queue-gauges.reader.js';
import { loadPromClient, promClientMetrics } from '../../lib/prometheus/prom-client.metrics.js';
import { openTelemetryMetrics } from '../../lib/prometheus/open-telemetry.metrics.js';
import { validatePrometheusOptions } from '../../lib/prometheus/validate-prometheus-options.util.js';
import { DEFAULT_DURATION_BUCKETS, JOB_COUNTERS, jobsSeriesNames } from '../../lib/prometheus/jobs-metrics.catalog.js';

const declared = (name: string, deadLetter?: string): DeclaredQueue => ({
  name,
  options: deadLetter ? { deadLetter } : {},
  declaredBy: 'test',
  managed: true,
});

function runningRegistry(): JobsRegistry {
  const registry = new JobsRegistry();
  registry.markStarting();
  registry.setHandlers([], [declared('mail', 'mail.dead'), declared('mail.dead'), declared('thumbnail')]);
  registry.markRunning();
  return registry;
}

const gauges = (queue: string, values: Partial<QueueGauges> = {}): QueueGauges => ({
  queue,
  waiting: 0,
  deferred: 0,
  active: 0,
  failed: 0,
  deadLettered: 0,
  oldestWaitingSeconds: 0,
  ...values,
});

function fakeBackend(rows: QueueGauges[]) {
  return { getQueueGauges: jest.fn(async (_queues: readonly string[]) => rows) };
}

function fakeLogger() {
  return { log: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() } satisfies LoggerService;
}

/** The value of one series in Prometheus' text format, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function collectors(backend: ReturnType<typeof fakeBackend>, registry = runningRegistry()) {
  const logger = fakeLogger();
  const reader = new QueueGaugesReader(registry, backend as unknown as JobsBackend, logger);
  const metrics = new Registry();
  const sink = promClientMetrics(await loadPromClient(), {
    registry: metrics,
    prefix: 'jobs_',
    durationBuckets: DEFAULT_DURATION_BUCKETS,
    reader,
  });
  return { metrics, sink, logger, registry };
}

describe('the queue gauges on a prom-client registry', () => {
  it('reports every gauge of every declared queue from one backend read per scrape', async () => {
    const backend = fakeBackend([
      gauges('mail', { waiting: 7, deferred: 2, active: 1, failed: 3, deadLettered: 4, oldestWaitingSeconds: 12 }),
      gauges('mail.dead', { waiting: 4 }),
      gauges('thumbnail'),
    ]);
    const { metrics } = await collectors(backend);

    const text = await metrics.metrics();
    expect(backend.getQueueGauges).toHaveBeenCalledTimes(1);
    expect(backend.getQueueGauges).toHaveBeenCalledWith(['mail', 'mail.dead', 'thumbnail']);
    expect(sample(text, 'jobs_queue_waiting{queue="mail"}')).toBe(7);
    expect(sample(text, 'jobs_queue_deferred{queue="mail"}')).toBe(2);
    expect(sample(text, 'jobs_queue_active{queue="mail"}')).toBe(1);
    expect(sample(text, 'jobs_queue_failed{queue="mail"}')).toBe(3);
    expect(sample(text, 'jobs_queue_dead_lettered{queue="mail"}')).toBe(4);
    expect(sample(text, 'jobs_queue_oldest_waiting_seconds{queue="mail"}')).toBe(12);
    expect(sample(text, 'jobs_queue_waiting{queue="mail.dead"}')).toBe(4);
    expect(sample(text, 'jobs_queue_waiting{queue="thumbnail"}')).toBe(0);
    expect(text).toContain('# TYPE jobs_queue_waiting gauge');

    await metrics.metrics();
    expect(backend.getQueueGauges).toHaveBeenCalledTimes(2);
  });

  it('drops the series of a queue the read no longer returns', async () => {
    const backend = fakeBackend([gauges('mail', { waiting: 1 }), gauges('thumbnail', { waiting: 2 })]);
    const { metrics } = await collectors(backend);
    expect(sample(await metrics.metrics(), 'jobs_queue_waiting{queue="thumbnail"}')).toBe(2);
    backend.getQueueGauges.mockResolvedValueOnce([gauges('mail', { waiting: 1 })]);
    expect(sample(await metrics.metrics(), 'jobs_queue_waiting{queue="thumbnail"}')).toBeUndefined();
  });

  it('reads nothing while JobsModule is not running', async () => {
    const backend = fakeBackend([gauges('mail', { waiting: 1 })]);
    const registry = new JobsRegistry();
    const { metrics } = await collectors(backend, registry);
    expect(sample(await metrics.metrics(), 'jobs_queue_waiting{queue="mail"}')).toBeUndefined();
    expect(backend.getQueueGauges).not.toHaveBeenCalled();
  });

  it('answers the scrape without gauges, and logs why, when the read fails', async () => {
    const backend = fakeBackend([gauges('mail', { waiting: 1 })]);
    const { metrics, logger } = await collectors(backend);
    expect(sample(await metrics.metrics(), 'jobs_queue_waiting{queue="mail"}')).toBe(1);
    backend.getQueueGauges.mockRejectedValueOnce(new Error('connect ECONNREFUSED postgres://app:s3cret@db/app'));

    const text = await metrics.metrics();
    expect(sample(text, 'jobs_queue_waiting{queue="mail"}')).toBeUndefined();
    expect(text).toContain('# TYPE jobs_completed_total counter');
    expect(logger.warn).toHaveBeenCalledWith(
      'The queue gauges could not be read, so this scrape has none: connect ECONNREFUSED postgres://app:***@db/app',
    );
  });

  it('shares one read between the scrapes that overlap it', async () => {
    let release!: (rows: QueueGauges[]) => void;
    const backend = fakeBackend([]);
    backend.getQueueGauges.mockImplementationOnce(() => new Promise((resolve) => (release = resolve)));
    const { metrics } = await collectors(backend);
    const first = metrics.metrics();
    const second = metrics.metrics();
    release([gauges('mail', { waiting: 5 })]);
    const texts = await Promise.all([first, second]);
    expect(backend.getQueueGauges).toHaveBeenCalledTimes(1);
    for (const text of texts) expect(sample(text, 'jobs_queue_waiting{queue="mail"}')).toBe(5);
  });

  it('counts job events per queue, and their durations by outcome', async () => {
    const { metrics, sink } = await collectors(fakeBackend([]));
    sink.startQueue('mail');
    let text = await metrics.metrics();
    for (const { name } of JOB_COUNTERS) expect(sample(text, `jobs_${name}{queue="mail"}`)).toBe(0);
    expect(sample(text, 'jobs_duration_seconds_count{queue="mail",outcome="completed"}')).toBe(0);

    const completed = JOB_COUNTERS.find((counter) => counter.event === 'completed')!;
    sink.count(completed, 'mail');
    sink.count(completed, 'mail');
    sink.observeDuration('mail', 'completed', 0.02);
    sink.observeDuration('mail', 'failed', 3);
    text = await metrics.metrics();
    expect(sample(text, 'jobs_completed_total{queue="mail"}')).toBe(2);
    expect(sample(text, 'jobs_duration_seconds_bucket{le="0.025",queue="mail",outcome="completed"}')).toBe(1);
    expect(sample(text, 'jobs_duration_seconds_bucket{le="2.5",queue="mail",outcome="failed"}')).toBe(0);
    expect(sample(text, 'jobs_duration_seconds_bucket{le="5",queue="mail",outcome="failed"}')).toBe(1);
  });

  it('refuses a registry that already holds one of its names, and adds none of them', async () => {
    const client = await loadPromClient();
    const reader = new QueueGaugesReader(runningRegistry(), fakeBackend([]) as unknown as JobsBackend, fakeLogger());
    const theirs = new Registry();
    theirs.registerMetric(new client.Gauge({ name: 'jobs_queue_active', help: 'theirs', registers: [] }));
    const adding = () => promClientMetrics(client, { registry: theirs, prefix: 'jobs_', durationBuckets: [1], reader });
    expect(adding).toThrow(JobsConfigurationError);
    expect(adding).toThrow(
      'JobsPrometheusModule cannot add the metric "jobs_queue_active": its registry already has a metric of that name',
    );
    expect(theirs.getMetricsAsArray().map((metric) => metric.name)).toEqual(['jobs_queue_active']);
  });

  it('takes its metrics out of the registry when closed', async () => {
    const { metrics, sink } = await collectors(fakeBackend([]));
    sink.close();
    expect(metrics.getMetricsAsArray()).toEqual([]);
  });
});

describe('the same metrics through OpenTelemetry and @opentelemetry/exporter-prometheus', () => {
  it('shows the names prom-client shows, from one read per collection', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    const backend = fakeBackend([gauges('mail', { waiting: 3, oldestWaitingSeconds: 9 })]);
    const reader = new QueueGaugesReader(runningRegistry(), backend as unknown as JobsBackend, fakeLogger());
    const sink = openTelemetryMetrics({ meterProvider, prefix: 'jobs_', durationBuckets: DEFAULT_DURATION_BUCKETS, reader });
    sink.startQueue('mail');
    sink.count(JOB_COUNTERS[0]!, 'mail');
    sink.observeDuration('mail', 'completed', 0.2);

    const { resourceMetrics } = await exporter.collect();
    const text = new PrometheusSerializer(undefined, false, undefined, true, true).serialize(resourceMetrics);
    expect(backend.getQueueGauges).toHaveBeenCalledTimes(1);
    expect(sample(text, 'jobs_queue_waiting{queue="mail"}')).toBe(3);
    expect(sample(text, 'jobs_queue_oldest_waiting_seconds{queue="mail"}')).toBe(9);
    expect(sample(text, 'jobs_completed_total{queue="mail"}')).toBe(1);
    expect(sample(text, 'jobs_failed_total{queue="mail"}')).toBe(0);
    expect(sample(text, 'jobs_duration_seconds_bucket{queue="mail",outcome="completed",le="0.25"}')).toBe(1);
    // The metric families as prom-client names them: the gauges, the counters with _total, the histogram.
    const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]).sort();
    const histogramSeries = /_(bucket|sum|count)$/;
    expect(families).toEqual([...jobsSeriesNames().filter((name) => !histogramSeries.test(name)), 'jobs_duration_seconds'].sort());

    // Closed, the gauges are no longer observed: a collection reads nothing.
    sink.close();
    await exporter.collect();
    expect(backend.getQueueGauges).toHaveBeenCalledTimes(1);
    await meterProvider.shutdown();
  });
});

const Mail = defineJob<{ to: string }>('prom-mail', { retryLimit: 1, deadLetter: 'prom-mail.dead' });

@Injectable()
class MailJobs {
  @JobHandler(Mail)
  async send(job: Job<{ to: string }>) {
    if (job.data.to.includes('bounce')) throw new Error('mailbox does not exist');
  }
}

describe('JobsPrometheusModule over the testing kit', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(() => moduleRef?.close());

  async function start(options: JobsPrometheusOptions) {
    moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), JobsPrometheusModule.forRoot(options)],
      providers: [MailJobs],
    }).compile();
    await moduleRef.init();
    return { jobs: moduleRef.get(JobsService), tester: getJobsTester(moduleRef) };
  }

  it("counts the jobs it ran and reads the queues' gauges from the kit's backend", async () => {
    const registry = new Registry();
    const { jobs, tester } = await start({ registry });
    expect(sample(await registry.metrics(), 'jobs_completed_total{queue="prom-mail"}')).toBe(0);
    await jobs.send(Mail, { to: 'ada@example.com' });
    await jobs.send(Mail, { to: 'bounce@example.com' });
    await jobs.send(Mail, { to: 'later@example.com' }, { startAfter: 3600 });

    expect(sample(await registry.metrics(), 'jobs_queue_waiting{queue="prom-mail"}')).toBe(3);
    expect(sample(await registry.metrics(), 'jobs_queue_deferred{queue="prom-mail"}')).toBe(1);
    await tester.drain(Mail);

    const text = await registry.metrics();
    expect(sample(text, 'jobs_completed_total{queue="prom-mail"}')).toBe(2); // the drain does not wait for startAfter
    expect(sample(text, 'jobs_failed_total{queue="prom-mail"}')).toBe(2);
    expect(sample(text, 'jobs_retried_total{queue="prom-mail"}')).toBe(1);
    expect(sample(text, 'jobs_dead_lettered_total{queue="prom-mail"}')).toBe(1);
    expect(sample(text, 'jobs_duration_seconds_count{queue="prom-mail",outcome="completed"}')).toBe(2);
    expect(sample(text, 'jobs_queue_waiting{queue="prom-mail"}')).toBe(0);
    expect(sample(text, 'jobs_queue_failed{queue="prom-mail"}')).toBe(1);
    expect(sample(text, 'jobs_queue_dead_lettered{queue="prom-mail"}')).toBe(1);
    expect(sample(text, 'jobs_queue_waiting{queue="prom-mail.dead"}')).toBe(1);
    // No payload in any label: only queue names and outcomes.
    expect(text).not.toMatch(/example\.com|mailbox/);

    await moduleRef!.close();
    moduleRef = undefined;
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it("uses prom-client's global registry by default, and gives it back on close", async () => {
    const { register } = await loadPromClient();
    await start({});
    expect(register.getSingleMetric('jobs_queue_waiting')).toBeDefined();
    await moduleRef!.close();
    moduleRef = undefined;
    expect(register.getSingleMetric('jobs_queue_waiting')).toBeUndefined();
  });

  it('refuses a second module on the same registry at bootstrap, naming the metric', async () => {
    const registry = new Registry();
    await start({ registry });
    const second = Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), JobsPrometheusModule.forRoot({ registry })],
    }).compile();
    const app = await second;
    await expect(app.init()).rejects.toThrow(/cannot add the metric "jobs_queue_waiting": its registry already has a metric/);
    await app.close();
  });

  it('takes a prefix, and replaced options through JOBS_PROMETHEUS_OPTIONS', async () => {
    const registry = new Registry();
    moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), JobsPrometheusModule.forRoot()],
      providers: [MailJobs],
    })
      .overrideProvider(JOBS_PROMETHEUS_OPTIONS)
      .useValue({ registry, prefix: 'worker_jobs_' })
      .compile();
    await moduleRef.init();
    const names = registry.getMetricsAsArray().map((metric) => metric.name);
    expect(names).toContain('worker_jobs_queue_waiting');
    expect(names).toContain('worker_jobs_completed_total');
  });

  it('fails bootstrap with a JobsConfigurationError for invalid options', async () => {
    const building = Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), JobsPrometheusModule.forRoot({ path: 'metrics' })],
    }).compile();
    await expect(building).rejects.toThrow('Invalid JobsPrometheusModule options: path must start with "/" (write "/metrics").');
  });
});

describe('validatePrometheusOptions', () => {
  const meterProvider = new MeterProvider();

  it.each<[string, unknown]>([
    ['nothing', undefined],
    ['an empty object', {}],
    ['every prom-client option', { registry: new Registry(), path: '/internal/metrics', prefix: 'billing_jobs_', durationBuckets: [0.1, 1, 10] }],
    ['openTelemetry: true', { openTelemetry: true, prefix: 'jobs_' }],
    ['a meter provider', { openTelemetry: { meterProvider } }],
  ])('accepts %s', (_what, options) => {
    expect(() => validatePrometheusOptions(options as JobsPrometheusOptions)).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['a non-object', 'metrics', "the options must be an object such as { path: '/metrics' }, got \"metrics\""],
    ['an unknown option', { prefx: 'x_' }, 'unknown option "prefx" (known: registry, path, prefix, durationBuckets, openTelemetry)'],
    ['a prefix with a dash', { prefix: 'jobs-' }, 'prefix must be letters, digits and "_", starting with a letter'],
    ['a prefix starting with _', { prefix: '_jobs' }, 'prefix must be letters, digits and "_", starting with a letter'],
    ['a path without /', { path: 'metrics' }, 'path must start with "/" (write "/metrics")'],
    ['the root path', { path: '/' }, 'path must not be "/"'],
    ['a path ending with /', { path: '/metrics/' }, 'path must not end with "/" (write "/metrics")'],
    ['a path with ..', { path: '/a/../metrics' }, 'path must not contain an empty, "." or ".." segment'],
    ['a registry that is none', { registry: {} }, 'registry must be a prom-client Registry'],
    ['empty buckets', { durationBuckets: [] }, 'durationBuckets must be a non-empty array of seconds'],
    ['a zero bucket', { durationBuckets: [0, 1] }, 'durationBuckets[0] must be a number of seconds above 0, got 0'],
    ['buckets out of order', { durationBuckets: [1, 1] }, 'durationBuckets[1] must be greater than the bound before it (1), got 1'],
    ['an unknown openTelemetry key', { openTelemetry: { tracerProvider: {} } }, 'openTelemetry has the unknown key "tracerProvider"'],
    ['a meter provider that is none', { openTelemetry: { meterProvider: {} } }, 'openTelemetry.meterProvider must be an OpenTelemetry MeterProvider'],
    ['path with openTelemetry', { openTelemetry: true, path: '/metrics' }, "path is prom-client's, and openTelemetry sends the metrics"],
    ['registry with openTelemetry', { openTelemetry: {}, registry: new Registry() }, "registry is prom-client's"],
  ])('refuses %s, saying what to change', (_what, options, message) => {
    const thrown = (() => {
      try {
        validatePrometheusOptions(options as JobsPrometheusOptions);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(JobsConfigurationError);
    expect((thrown as Error).message).toMatch(/^Invalid JobsPrometheusModule options: /);
    expect((thrown as Error).message).toContain(message);
  });
});

describe('the optional peers prom-client and @opentelemetry/api', () => {
  const lib = resolve(dirname(fileURLToPath(import.meta.url)), '../../lib');

  function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const pending = [entry];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (files.has(file)) continue;
      files.add(file);
      // Code only: a JSDoc example may name a package.
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      for (const [, specifier] of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'([^']+)'/g)) {
        if (specifier!.startsWith('.')) pending.push(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
        else packages.add(specifier!);
      }
    }
    return { files, packages };
  }

  it.each(['index.ts', 'testing/index.ts'])('are not reached from lib/%s, and neither is lib/prometheus', (entry) => {
    const { files, packages } = importGraph(resolve(lib, entry));
    expect(files.size).toBeGreaterThan(10);
    expect([...packages].filter((name) => name === 'prom-client')).toEqual([]);
    expect([...files].filter((file) => file.startsWith(resolve(lib, 'prometheus')))).toEqual([]);
  });

  it('is loaded by one dynamic import of prom-client, in prom-client.metrics.ts; elsewhere types only', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
      });
    const runtime: string[] = [];
    const dynamic: string[] = [];
    for (const file of sources(lib)) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      for (const match of text.matchAll(/(?:import|export)\s+(type\s+)?[^;]*?from\s+'prom-client'/g)) {
        if (!match[1]) runtime.push(`${file}: ${match[0]}`);
      }
      for (const _ of text.matchAll(/import\(\s*'prom-client'\s*\)/g)) dynamic.push(file);
    }
    expect(runtime).toEqual([]);
    // One import() call, and the `typeof import(...)` type beside it.
    expect([...new Set(dynamic)]).toEqual([join(lib, 'prometheus', 'prom-client.metrics.ts')]);
  });

  it('fails with a JobsConfigurationError saying npm i prom-client when it is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'prom-client' imported from /app/dist/prometheus"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const loading = loadPromClient(() => Promise.reject(missing));
    await expect(loading).rejects.toThrow(JobsConfigurationError);
    await expect(loading).rejects.toThrow(/needs the optional peer dependency prom-client.*npm i prom-client/);
    await expect(loading).rejects.toMatchObject({ cause: missing });
  });

  it('keeps the public types free of prom-client', () => {
    const { packages } = importGraph(resolve(lib, 'prometheus/interfaces/jobs-prometheus-options.interface.ts'));
    expect([...packages]).toEqual(['pg-boss']);
  });
});
