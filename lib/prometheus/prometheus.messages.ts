/** Messages of nest-pg-jobs/prometheus, one factory each: configuration errors say what to change. */

import { describeText } from '../utils/describe-value.util.js';
import { redactSecrets } from '../utils/redact.util.js';

/** A database error's message, without passwords, cut to a log line's length. */
const cause = (error: unknown): string =>
  describeText(redactSecrets(error instanceof Error ? error.message : String(error)), 300);

export const INVALID_PROMETHEUS_OPTION = (problem: string) => `Invalid JobsPrometheusModule options: ${problem}.`;

export const PROM_CLIENT_NOT_INSTALLED = (cause: string) =>
  `JobsPrometheusModule needs the optional peer dependency prom-client, which could not be loaded (${cause}). ` +
  'Install it next to nest-pg-jobs (npm i prom-client), or pass openTelemetry: true to use your OpenTelemetry SDK.';

export const OPEN_TELEMETRY_API_NOT_INSTALLED = () =>
  "JobsPrometheusModule's openTelemetry option needs the @opentelemetry/api package, which could not be loaded. " +
  'Install it next to your OpenTelemetry SDK (npm i @opentelemetry/api), or remove the openTelemetry option to use prom-client.';

export const METRIC_ALREADY_REGISTERED = (name: string) =>
  `JobsPrometheusModule cannot add the metric "${name}": its registry already has a metric of that name (a second ` +
  'JobsPrometheusModule, or another application, on the same registry). Import JobsPrometheusModule once, give each ' +
  "application its own registry (registry: new Registry()), or another prefix (prefix: 'worker_jobs_').";

export const PROMETHEUS_UNSUPPORTED_ADAPTER = (type: string) =>
  `JobsPrometheusModule serves path on the Express and Fastify adapters; this application runs on "${type}". ` +
  'Remove path and serve registry.metrics() from a controller of your own.';

export const METRICS_NOT_SERVED = (path: string) =>
  `No HTTP server in this application (an application context, or a TestingModule without createNestApplication): ` +
  `the jobs metrics are not served at ${path}.`;

export const QUEUE_GAUGES_READ_FAILED = (error: unknown) =>
  `The queue gauges could not be read, so this scrape has none: ${cause(error)}`;

export const METRICS_REQUEST_FAILED = (error: unknown) =>
  `The jobs metrics could not be served: ${cause(error)}`;
