import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { describeValue as show } from '../utils/describe-value.util.js';
import { mountPathProblem } from '../utils/mount-path.util.js';
import { INVALID_PROMETHEUS_OPTION } from './prometheus.messages.js';
import type { JobsPrometheusOptions } from './interfaces/jobs-prometheus-options.interface.js';

type Rule = (value: unknown) => string | undefined;

const object = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A prefix both prom-client and OpenTelemetry take as the start of a name: Prometheus allows
 * `[a-zA-Z_:][a-zA-Z0-9_:]*` (colons are for recording rules), OpenTelemetry names start with a letter.
 */
const PREFIX = /^[A-Za-z][A-Za-z0-9_]*$/;

const prefix: Rule = (v) => {
  if (typeof v !== 'string') return `must be a string such as 'jobs_', got ${show(v)}`;
  if (!PREFIX.test(v)) {
    return `must be letters, digits and "_", starting with a letter (such as 'jobs_' or 'billing_jobs_'), got ${show(v)}`;
  }
  return v.length > 100 ? 'must be at most 100 characters' : undefined;
};

const path: Rule = (v) => mountPathProblem(v, { example: '/metrics', what: 'the metrics route' });

const registry: Rule = (v) => {
  const methods = ['registerMetric', 'getSingleMetric', 'removeSingleMetric', 'metrics'];
  const missing = object(v) ? methods.filter((name) => typeof v[name] !== 'function') : methods;
  return missing.length === 0
    ? undefined
    : `must be a prom-client Registry (new Registry() or prom-client's register), got ${show(v)} without ${missing.join(', ')}`;
};

const durationBuckets: Rule = (v) => {
  if (!Array.isArray(v) || v.length === 0) return `must be a non-empty array of seconds such as [0.1, 1, 10], got ${show(v)}`;
  for (const [i, bound] of v.entries()) {
    if (typeof bound !== 'number' || !Number.isFinite(bound) || bound <= 0) {
      return `[${i}] must be a number of seconds above 0, got ${show(bound)}`;
    }
    if (i > 0 && bound <= (v[i - 1] as number)) return `[${i}] must be greater than the bound before it (${show(v[i - 1])}), got ${show(bound)}`;
  }
  return undefined;
};

const openTelemetry: Rule = (v) => {
  if (typeof v === 'boolean') return undefined;
  if (!object(v)) return `must be true, false or { meterProvider }, got ${show(v)}`;
  for (const [key, value] of Object.entries(v)) {
    if (value === undefined) continue;
    if (key !== 'meterProvider') return `has the unknown key ${show(key)} (known: meterProvider)`;
    if (!object(value) || typeof value.getMeter !== 'function') {
      return `.meterProvider must be an OpenTelemetry MeterProvider (with getMeter), got ${show(value)}`;
    }
  }
  return undefined;
};

const RULES: Record<keyof JobsPrometheusOptions, Rule> = { registry, path, prefix, durationBuckets, openTelemetry };

const fail = (problem: string): never => {
  throw new JobsConfigurationError(INVALID_PROMETHEUS_OPTION(problem));
};

/**
 * Checks `JobsPrometheusModule.forRoot` / `forRootAsync` options when they are resolved, before any
 * metric is created, and returns them. Throws a `JobsConfigurationError` naming the option and what
 * to write instead; unknown keys are refused (almost always typos), and so are `registry` and
 * `path` beside `openTelemetry`, which would be silently ignored.
 *
 * @example
 * validatePrometheusOptions({ prefix: 'jobs-' }); // JobsConfigurationError: ... prefix must be letters, digits and "_" ...
 */
export function validatePrometheusOptions(options: JobsPrometheusOptions | undefined): JobsPrometheusOptions {
  if (options === undefined) return {};
  if (!object(options)) return fail(`the options must be an object such as { path: '/metrics' }, got ${show(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = RULES[key as keyof JobsPrometheusOptions];
    if (!rule) fail(`unknown option ${show(key)} (known: ${Object.keys(RULES).join(', ')})`);
    const problem = rule!(value);
    if (problem) fail(`${key}${problem.startsWith('.') || problem.startsWith('[') ? '' : ' '}${problem}`);
  }
  if (options.openTelemetry) {
    for (const key of ['registry', 'path'] as const) {
      if (options[key] !== undefined) {
        fail(
          `${key} is prom-client's, and openTelemetry sends the metrics to a meter provider instead; remove ${key}, ` +
            'and serve the metrics with your exporter (@opentelemetry/exporter-prometheus), or remove openTelemetry',
        );
      }
    }
  }
  return options;
}
