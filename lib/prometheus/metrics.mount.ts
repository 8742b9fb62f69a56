import type { LoggerService } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import type { JobsPrometheusRegistry } from './interfaces/jobs-prometheus-options.interface.js';
import { METRICS_REQUEST_FAILED, PROMETHEUS_UNSUPPORTED_ADAPTER } from './prometheus.messages.js';

/**
 * Throws a `JobsConfigurationError` for an HTTP adapter the metrics cannot be served on (anything
 * but Express and Fastify).
 *
 * @example
 * assertMetricsAdapter(adapter.getType());
 */
export function assertMetricsAdapter(type: string): void {
  if (type !== 'express' && type !== 'fastify') throw new JobsConfigurationError(PROMETHEUS_UNSUPPORTED_ADAPTER(type));
}

/**
 * Answers `GET path` on the app's Express or Fastify adapter with the registry's text format and its
 * content type, through the adapter's own `get`, `setHeader` and `reply`, as a route of the server
 * itself: Nest's global prefix, guards, interceptors and filters do not apply (the route is added
 * after the app's controllers, while the app initialises). A registry that fails to answer is
 * logged and answered with a 500.
 *
 * @example
 * mountMetrics(adapterHost.httpAdapter, '/metrics', register, logger);
 */
export function mountMetrics(
  adapter: AbstractHttpAdapter,
  path: string,
  registry: JobsPrometheusRegistry,
  logger: LoggerService,
): void {
  assertMetricsAdapter(adapter.getType());
  adapter.get(path, (_request: unknown, response: unknown) => {
    void serve(adapter, registry, response, logger);
  });
}

async function serve(
  adapter: AbstractHttpAdapter,
  registry: JobsPrometheusRegistry,
  response: unknown,
  logger: LoggerService,
): Promise<void> {
  let text: string;
  try {
    text = await registry.metrics();
  } catch (error) {
    logger.error(METRICS_REQUEST_FAILED(error));
    adapter.reply(response, { statusCode: 500, message: 'Internal server error' }, 500);
    return;
  }
  adapter.setHeader(response, 'Content-Type', registry.contentType);
  adapter.reply(response, text, 200);
}
