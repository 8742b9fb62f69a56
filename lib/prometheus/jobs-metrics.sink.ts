import type { JobCounterMetric } from './jobs-metrics.catalog.js';

/**
 * Where the metrics go: a prom-client registry (`prom-client.metrics.ts`) or an OpenTelemetry meter
 * (`open-telemetry.metrics.ts`). Both read the queue gauges through a `QueueGaugesReader` on each
 * collection; the orchestrator feeds the job counters and the duration from `JobsService.events$`.
 */
export interface JobsMetricsSink {
  /** Starts the counters of a queue worked in this instance at 0, so `rate()` has a first sample. */
  startQueue(queue: string): void;
  /** One job event of this instance. */
  count(counter: JobCounterMetric, queue: string): void;
  /** How long a handler ran, in seconds. */
  observeDuration(queue: string, outcome: 'completed' | 'failed', seconds: number): void;
  /** Takes the metrics out of the registry (prom-client) or stops observing the gauges (OpenTelemetry). */
  close(): void;
}
