// nest-pg-jobs/prometheus: Prometheus metrics of the jobs, on a prom-client registry or an
// OpenTelemetry meter provider. Both are optional peer dependencies, loaded with a dynamic import
// only by the way the app chose; the package's root entry never imports this folder.
export { JobsPrometheusModule } from './jobs-prometheus.module.js';
export { JOBS_PROMETHEUS_OPTIONS } from './jobs-prometheus.module-definition.js';
export type {
  JobsPrometheusOptions,
  JobsPrometheusOpenTelemetryOptions,
  JobsPrometheusRegistry,
} from './interfaces/jobs-prometheus-options.interface.js';
