import type { OpenTelemetryOptions } from 'pg-boss';

/**
 * What the module needs of a prom-client `Registry` (prom-client 15's `Registry` fits), declared
 * here so that no public type of this package refers to the optional peer `prom-client`:
 * `load-prom-client.util.ts` checks at compile time that the real one fits.
 *
 * @example
 * import { Registry } from 'prom-client';
 * const registry: JobsPrometheusRegistry = new Registry();
 */
export interface JobsPrometheusRegistry {
  /** Adds a metric (prom-client's metrics call it themselves, given `registers: [registry]`). */
  registerMetric(metric: never): void;
  /** The metric registered under `name`, if any. */
  getSingleMetric(name: string): unknown;
  /** Removes the metric registered under `name`. */
  removeSingleMetric(name: string): void;
  /** Every metric of the registry in its text format (collecting the gauges first). */
  metrics(): Promise<string>;
  /** The `Content-Type` of {@link metrics}'s text. */
  readonly contentType: string;
}

/**
 * `openTelemetry` of {@link JobsPrometheusOptions}: the metrics go to an OpenTelemetry meter
 * provider instead of a prom-client registry.
 *
 * @example
 * JobsPrometheusModule.forRoot({ openTelemetry: { meterProvider } })
 */
export interface JobsPrometheusOpenTelemetryOptions {
  /**
   * The meter provider of the metrics. Default: `JobsModule`'s `openTelemetry.meterProvider` when
   * it sets one, else the global one (`metrics.getMeterProvider()`, which the SDK sets; register
   * it before the application is created).
   */
  meterProvider?: NonNullable<OpenTelemetryOptions['meterProvider']>;
}

/**
 * Options of `JobsPrometheusModule.forRoot` / `forRootAsync`. Without any, the metrics go to
 * prom-client's global registry (the one `@willsoto/nestjs-prometheus` serves at `/metrics`).
 *
 * @example
 * JobsPrometheusModule.forRoot()                                   // prom-client's global registry
 * JobsPrometheusModule.forRoot({ path: '/metrics' })               // ... served by the app at /metrics
 * JobsPrometheusModule.forRoot({ registry: new Registry() })       // a registry of your own
 * JobsPrometheusModule.forRoot({ openTelemetry: { meterProvider } }) // an OpenTelemetry meter provider
 */
export interface JobsPrometheusOptions {
  /**
   * The prom-client registry to add the metrics to. Default: prom-client's global registry
   * (`register`). Not with `openTelemetry`.
   */
  registry?: JobsPrometheusRegistry;
  /**
   * Serve the registry's text format at this path (from the server's root, without the global
   * prefix), on Express or Fastify, for an app that does not serve `/metrics` itself. Not with
   * `openTelemetry` (its exporter serves the metrics). Answered without guards: keep the path off
   * the public network, or serve `registry.metrics()` from a controller of your own.
   */
  path?: string;
  /**
   * Start of every metric's name: letters, digits and `_`, starting with a letter. Default
   * `'jobs_'` (`jobs_queue_waiting`, `jobs_completed_total`). The Grafana dashboard in
   * `docs/grafana/` reads the default names.
   */
  prefix?: string;
  /**
   * Upper bounds, in seconds, of the buckets of the `duration_seconds` histogram: increasing, above 0.
   * Default `[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]`.
   */
  durationBuckets?: number[];
  /**
   * `true`, or `{ meterProvider }`: the same metrics as OpenTelemetry instruments on a meter provider
   * (the queue gauges as observable gauges, the job counters and the duration histogram), for an app
   * that exports its metrics with `@opentelemetry/exporter-prometheus` or any other exporter.
   * Needs `@opentelemetry/api`; prom-client is not loaded.
   */
  openTelemetry?: boolean | JobsPrometheusOpenTelemetryOptions;
}
