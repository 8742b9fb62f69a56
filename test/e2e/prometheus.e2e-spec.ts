// nest-pg-jobs/prometheus scraped by a real Prometheus server (Debian's /usr/bin/prometheus; .ci/run
// installs it): the sample's AppModule serving /metrics from prom-client's global registry, and an
// app on OpenTelemetry whose @opentelemetry/exporter-prometheus handler a controller serves, both
// scraped every second. The test sends jobs, then polls Prometheus' HTTP API until the job counters
// and the queue gauges it expects appear, and runs every query of the Grafana dashboard
// (docs/grafana/nest-pg-jobs.json) against the scraped data. The path option on Fastify is checked
// without Prometheus.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Injectable, Module, Req, Res, type INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { Registry } from 'prom-client';
import { defineJob, JOBS_MODULE_OPTIONS, JobHandler, JobsModule, JobsService } from 'nest-pg-jobs';
import { JobsPrometheusModule } from 'nest-pg-jobs/prometheus';
import { waitForJob } from 'nest-pg-jobs/testing';
import { AppModule } from '../../sample/app.module.js';
import { Thumbnail } from '../../sample/images/images.jobs.js';
import { CapturePayment } from '../../sample/payments/payments.jobs.js';
import { WelcomeEmail } from '../../sample/users/users.jobs.js';
import { databaseUrl, schemasDroppedAfterAll, track, waitFor } from '../support/e2e.js';

const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
const schema = schemasDroppedAfterAll();

/** A port nothing listens on now, for a server that cannot be told to pick its own (Prometheus). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A Prometheus server of the test's own: its config, a throwaway TSDB, a free port; stopped with `stop()`. */
async function startPrometheus(targets: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'nest-pg-jobs-prometheus-'));
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    ...Object.entries(targets).flatMap(([job, target]) => [
      `  - job_name: ${job}`,
      '    static_configs:',
      `      - targets: ['${target}']`,
    ]),
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), `${config}\n`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = String(code ?? signal);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (exited !== undefined) throw new Error(`prometheus exited with ${exited}: ${output}`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: `Prometheus to be ready on ${url}` },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop, output: () => output };
}

interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('Prometheus scraping the metrics of nest-pg-jobs/prometheus', () => {
  let prometheus: Awaited<ReturnType<typeof startPrometheus>>;
  let sample: INestApplication;
  let otel: INestApplication;
  let meterProvider: MeterProvider;

  const query = async (expr: string): Promise<QueryResult> => {
    const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await response.json()) as QueryResult;
  };

  /** Polls Prometheus until `expr` has one series and its value is `expected`. */
  async function untilValue(expr: string, expected: number): Promise<void> {
    let last: unknown = 'nothing yet';
    await waitFor(
      async () => {
        const result = await query(expr);
        if (result.status !== 'success') throw new Error(`${expr}: ${result.error}`);
        last = result.data!.result.map((series) => series.value[1]);
        return result.data!.result.length === 1 && Number(result.data!.result[0]!.value[1]) === expected;
      },
      { timeoutMs: 30_000, intervalMs: 250, message: `Prometheus to answer ${expected} to ${expr}` },
    ).catch((error: Error) => {
      throw new Error(`${error.message} (last answer: ${JSON.stringify(last)})\n${prometheus.output()}`);
    });
  }

  beforeAll(async () => {
    if (!existsSync(PROMETHEUS)) {
      throw new Error(
        `No Prometheus at ${PROMETHEUS}: install Debian's package (apt-get install prometheus; then stop the service it ` +
          'starts, the test runs its own server) or set PROMETHEUS_PATH.',
      );
    }
    ({ sample } = await bootSample(schema('prom_sample')));
    ({ otel, meterProvider } = await bootOpenTelemetryApp(schema('prom_otel')));
    const host = async (app: INestApplication) => new URL(await app.getUrl()).host;
    prometheus = await startPrometheus({ sample: await host(sample), otel: await host(otel) });
    await waitFor(
      async () => {
        const { data } = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
          data: { activeTargets: { health: string }[] };
        };
        return data.activeTargets.length === 2 && data.activeTargets.every((target) => target.health === 'up');
      },
      { timeoutMs: 30_000, intervalMs: 200, message: 'both targets to be up in Prometheus' },
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await sample?.close();
    await otel?.close();
    await meterProvider?.shutdown();
  });

  it("counts the sample's completed jobs, as Prometheus scraped them from GET /metrics", async () => {
    const jobs = sample.get(JobsService);
    const ids = await Promise.all([1, 2, 3, 4, 5].map((i) => jobs.send(Thumbnail, { imageId: `prom-${i}`, size: 16 })));
    for (const id of ids) await waitForJob(sample, Thumbnail, id!, 'completed', { timeoutMs: 20_000 });

    await untilValue('jobs_completed_total{job="sample",queue="thumbnail"}', 5);
    await untilValue('jobs_duration_seconds_count{job="sample",queue="thumbnail",outcome="completed"}', 5);
    await untilValue('jobs_failed_total{job="sample",queue="thumbnail"}', 0);
  });

  it("reads the sample's queue gauges: a deferred job, a dead letter, the queue without jobs", async () => {
    const jobs = sample.get(JobsService);
    await jobs.send(CapturePayment, { orderId: 'prom-later', amountCents: 100 }, { startAfter: 3600 });
    const bounced = (await jobs.send(WelcomeEmail, { userId: 'u-prom', email: 'bounce-prom@example.com' }, { retryLimit: 0 }))!;
    await waitForJob(sample, WelcomeEmail, bounced, 'failed', { timeoutMs: 15_000 });

    await untilValue('jobs_queue_waiting{job="sample",queue="capture-payment"}', 1);
    await untilValue('jobs_queue_deferred{job="sample",queue="capture-payment"}', 1);
    await untilValue('jobs_queue_oldest_waiting_seconds{job="sample",queue="capture-payment"}', 0);
    await untilValue('jobs_queue_dead_lettered{job="sample",queue="welcome-email"}', 1);
    await untilValue('jobs_queue_waiting{job="sample",queue="welcome-email.dead"}', 1);
    await untilValue('jobs_queue_failed{job="sample",queue="welcome-email"}', 1);
    await untilValue('jobs_dead_lettered_total{job="sample",queue="welcome-email"}', 1);
    await untilValue('jobs_queue_active{job="sample",queue="import-row"}', 0);
  });

  it('gets the same metric names from OpenTelemetry through @opentelemetry/exporter-prometheus, next to pg-boss’s own', async () => {
    const jobs = otel.get(JobsService);
    const ids = await Promise.all([1, 2, 3].map((n) => jobs.send(Echo, { n })));
    for (const id of ids) await waitForJob(otel, Echo, id!, 'completed', { timeoutMs: 20_000 });

    await untilValue('jobs_completed_total{job="otel",queue="prom-otel.echo"}', 3);
    await untilValue('jobs_queue_waiting{job="otel",queue="prom-otel.echo"}', 0);
    await untilValue('sum(jobs_duration_seconds_count{job="otel",queue="prom-otel.echo",outcome="completed"})', 3);
    // pg-boss's metrics (JobsModule's openTelemetry) through the same meter provider.
    await untilValue('sum(messaging_client_consumed_messages_total{job="otel",messaging_destination_name="prom-otel.echo"})', 3);
  });

  it('answers every query of the Grafana dashboard', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/nest-pg-jobs.json', import.meta.url), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((panel) =>
      panel.targets.map((target) => ({
        panel: panel.title,
        expr: target.expr.replaceAll('$__rate_interval', '1m').replaceAll('$queue', '.*'),
      })),
    );
    const answers = await Promise.all(
      exprs.map(async ({ panel, expr }) => {
        const result = await query(expr);
        return { panel, expr, status: result.status, error: result.error, series: (result.data?.result.length ?? 0) > 0 };
      }),
    );
    for (const answer of answers) {
      expect(answer).toEqual({ ...answer, status: 'success', error: undefined, series: true });
    }
  });
});

describe('the path option on Fastify', () => {
  it('serves the registry in Prometheus text format at the path', async () => {
    const registry = new Registry();
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRoot({ connectionString: databaseUrl(), schema: schema('prom_fastify'), logger: false }),
        JobsPrometheusModule.forRoot({ registry, path: '/internal/metrics' }),
      ],
      providers: [EchoJobs],
    }).compile();
    const app = track(moduleRef.createNestApplication(new FastifyAdapter(), { logger: false }));
    await app.listen(0, '127.0.0.1');
    try {
      const response = await fetch(`${await app.getUrl()}/internal/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(registry.contentType);
      const text = await response.text();
      expect(text).toContain('jobs_queue_waiting{queue="prom-otel.echo"} 0');
      expect(text).toContain('jobs_completed_total{queue="prom-otel.echo"} 0');
      expect((await fetch(`${await app.getUrl()}/metrics`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});

const Echo = defineJob<{ n: number }>('prom-otel.echo');

@Injectable()
class EchoJobs {
  @JobHandler(Echo)
  async echo() {}
}

/** The sample's AppModule as `npm start` runs it (without its traffic), on the test database and its own schema. */
async function bootSample(schemaName: string): Promise<{ sample: INestApplication }> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(JOBS_MODULE_OPTIONS)
    .useValue({ connectionString: databaseUrl(), schema: schemaName, logger: false, shutdownTimeoutMs: 2_000 })
    .compile();
  const app = track(moduleRef.createNestApplication({ logger: false }));
  await app.listen(0, '127.0.0.1');
  return { sample: app };
}

/**
 * The README's OpenTelemetry setup: a meter provider whose reader is the Prometheus exporter, given
 * to JobsModule (pg-boss's metrics) and JobsPrometheusModule (the module's), and a controller that
 * serves the exporter's handler at GET /metrics.
 */
async function bootOpenTelemetryApp(schemaName: string): Promise<{ otel: INestApplication; meterProvider: MeterProvider }> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });

  @Controller()
  class MetricsController {
    @Get('metrics')
    metrics(@Req() request: IncomingMessage, @Res() response: ServerResponse) {
      exporter.getMetricsRequestHandler(request, response);
    }
  }

  @Module({
    imports: [
      JobsModule.forRoot({ connectionString: databaseUrl(), schema: schemaName, logger: false, openTelemetry: { meterProvider } }),
      JobsPrometheusModule.forRoot({ openTelemetry: { meterProvider } }),
    ],
    controllers: [MetricsController],
    providers: [EchoJobs],
  })
  class OpenTelemetryAppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [OpenTelemetryAppModule] }).compile();
  const app = track(moduleRef.createNestApplication({ logger: false }));
  await app.listen(0, '127.0.0.1');
  return { otel: app, meterProvider };
}
