import { Module, type DynamicModule } from '@nestjs/common';
import type { JobsPrometheusOptions } from './interfaces/jobs-prometheus-options.interface.js';
import { ConfigurableJobsPrometheusModule } from './jobs-prometheus.module-definition.js';
import { JobsPrometheusOrchestrator } from './jobs-prometheus.orchestrator.js';

/**
 * Prometheus metrics of `JobsModule`: gauges of every queue the app declares, read from the
 * database when they are scraped (waiting, deferred, active, failed, dead-lettered jobs and the
 * oldest due job's age), and counters and a duration histogram of the jobs this instance runs. On
 * a prom-client registry (an optional peer, `npm i prom-client`; prom-client's global registry
 * unless given one, which is what `@willsoto/nestjs-prometheus` serves), optionally served at
 * `path`; or, with `openTelemetry`, on an OpenTelemetry meter provider. Import it next to `JobsModule`:
 *
 * @example
 * JobsPrometheusModule.forRoot()                                  // beside @willsoto/nestjs-prometheus
 * JobsPrometheusModule.forRoot({ path: '/metrics' })              // the app has no /metrics of its own
 * JobsPrometheusModule.forRoot({ openTelemetry: true })           // @opentelemetry/exporter-prometheus
 * JobsPrometheusModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ path: config.get('METRICS_PATH') }),
 * })
 */
@Module({
  providers: [JobsPrometheusOrchestrator],
})
export class JobsPrometheusModule extends ConfigurableJobsPrometheusModule {
  /**
   * The module with its options (all optional: `forRoot()` adds the metrics to prom-client's global
   * registry and serves nothing).
   *
   * @example
   * JobsPrometheusModule.forRoot({ path: '/metrics' })
   */
  static override forRoot(options: JobsPrometheusOptions = {}): DynamicModule {
    return super.forRoot(options);
  }
}
