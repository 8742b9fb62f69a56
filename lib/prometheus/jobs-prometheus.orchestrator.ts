import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Subscription } from 'rxjs';
import { JOBS_BACKEND, type JobsBackend } from '../backend/jobs-backend.js';
import type { JobEvent } from '../interfaces/job-event.interface.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import { JOBS_MODULE_OPTIONS } from '../module/jobs.module-definition.js';
import { JobsRegistry } from '../runtime/jobs.registry.js';
import { JobsService } from '../runtime/jobs.service.js';
import { loadOpenTelemetryApi } from '../telemetry/load-telemetry.js';
import type { JobsPrometheusOptions } from './interfaces/jobs-prometheus-options.interface.js';
import { DEFAULT_DURATION_BUCKETS, DEFAULT_PREFIX, JOB_COUNTERS } from './jobs-metrics.catalog.js';
import type { JobsMetricsSink } from './jobs-metrics.sink.js';
import { JOBS_PROMETHEUS_OPTIONS } from './jobs-prometheus.module-definition.js';
import { assertMetricsAdapter, mountMetrics } from './metrics.mount.js';
import { openTelemetryMetrics } from './open-telemetry.metrics.js';
import { loadPromClient, promClientMetrics } from './prom-client.metrics.js';
import { METRICS_NOT_SERVED, OPEN_TELEMETRY_API_NOT_INSTALLED } from './prometheus.messages.js';
import { QueueGaugesReader } from './queue-gauges.reader.js';

const COUNTER_OF_EVENT = new Map(JOB_COUNTERS.map((counter) => [counter.event, counter]));

/**
 * The metrics' lifecycle. `onModuleInit`: create the metrics on the registry (loading prom-client)
 * or the meter provider (loading `@opentelemetry/api`), subscribe to `JobsService.events$`, and
 * serve `path` on the HTTP adapter. `onApplicationBootstrap`: start the counters of the queues this
 * instance works at 0. `onApplicationShutdown`, once `JobsModule` has drained its jobs: unsubscribe
 * and take the metrics out of the registry, so that another application in the process (a test)
 * can add them again.
 */
@Injectable()
export class JobsPrometheusOrchestrator implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobsPrometheus');
  private sink: JobsMetricsSink | undefined;
  private subscription: Subscription | undefined;

  constructor(
    @Inject(JOBS_PROMETHEUS_OPTIONS) private readonly options: JobsPrometheusOptions,
    private readonly registry: JobsRegistry,
    @Inject(JOBS_BACKEND) private readonly backend: JobsBackend,
    private readonly jobs: JobsService,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(JOBS_MODULE_OPTIONS) private readonly jobsOptions?: JobsModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const { path, openTelemetry } = this.options;
    const adapter = path === undefined ? undefined : this.adapterHost.httpAdapter;
    if (adapter) assertMetricsAdapter(adapter.getType());
    const settings = {
      prefix: this.options.prefix ?? DEFAULT_PREFIX,
      durationBuckets: this.options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
      reader: new QueueGaugesReader(this.registry, this.backend, this.logger),
    };
    if (openTelemetry) {
      const api = await loadOpenTelemetryApi(OPEN_TELEMETRY_API_NOT_INSTALLED);
      const jobsTelemetry = this.jobsOptions?.openTelemetry;
      const meterProvider =
        (openTelemetry === true ? undefined : openTelemetry.meterProvider) ??
        (typeof jobsTelemetry === 'object' ? jobsTelemetry.meterProvider : undefined) ??
        api.metrics.getMeterProvider();
      this.sink = openTelemetryMetrics({ ...settings, meterProvider });
    } else {
      const client = await loadPromClient();
      const registry = this.options.registry ?? client.register;
      this.sink = promClientMetrics(client, { ...settings, registry });
      if (path !== undefined) {
        if (adapter) {
          mountMetrics(adapter, path, registry, this.logger);
          this.logger.log(`Serving the jobs metrics at ${path}`);
        } else {
          this.logger.debug(METRICS_NOT_SERVED(path));
        }
      }
    }
    this.subscription = this.jobs.events$.subscribe((event) => this.record(event));
  }

  onApplicationBootstrap(): void {
    if (this.jobsOptions?.workers === false) return;
    for (const handler of this.registry.handlers) this.sink?.startQueue(handler.queue);
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.sink?.close();
    this.sink = undefined;
  }

  /** One job event: its counter, and the handler's run time on `completed` and `failed`. */
  private record(event: JobEvent): void {
    const sink = this.sink;
    if (!sink) return;
    const counter = COUNTER_OF_EVENT.get(event.type);
    if (counter) sink.count(counter, event.queue);
    if ((event.type === 'completed' || event.type === 'failed') && event.durationMs !== undefined) {
      sink.observeDuration(event.queue, event.type, event.durationMs / 1000);
    }
  }
}
