import type { Counter, Histogram, Registry } from 'prom-client';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { describeText } from '../utils/describe-value.util.js';
import type { JobsPrometheusRegistry } from './interfaces/jobs-prometheus-options.interface.js';
import { JOB_COUNTERS, JOB_DURATION, QUEUE_GAUGES, type JobCounterMetric } from './jobs-metrics.catalog.js';
import type { JobsMetricsSink } from './jobs-metrics.sink.js';
import { METRIC_ALREADY_REGISTERED, PROM_CLIENT_NOT_INSTALLED } from './prometheus.messages.js';
import type { QueueGaugesReader } from './queue-gauges.reader.js';

/** The part of prom-client the module uses. */
export type PromClient = Pick<typeof import('prom-client'), 'Counter' | 'Gauge' | 'Histogram' | 'register'>;

// Compile-time check that prom-client's Registry is what the public option type describes.
const _registryFits = (registry: Registry): JobsPrometheusRegistry => registry;
void _registryFits;

const importPromClient = async (): Promise<PromClient> => {
  // A dynamic import: prom-client is an optional peer, loaded only when the module uses it.
  const { Counter, Gauge, Histogram, register } = await import('prom-client');
  return { Counter, Gauge, Histogram, register };
};

/**
 * Loads the optional peer `prom-client`. Throws a `JobsConfigurationError` saying `npm i prom-client`
 * when it cannot be loaded.
 *
 * @example
 * const client = await loadPromClient();
 */
export async function loadPromClient(importer: () => Promise<PromClient> = importPromClient): Promise<PromClient> {
  try {
    return await importer();
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new JobsConfigurationError(PROM_CLIENT_NOT_INSTALLED(describeText(cause, 300)), { cause: error });
  }
}

/** What {@link promClientMetrics} builds the metrics with. */
export interface PromClientMetricsOptions {
  /** The registry to add them to: prom-client's global one when absent. */
  registry?: JobsPrometheusRegistry;
  prefix: string;
  durationBuckets: readonly number[];
  reader: QueueGaugesReader;
}

/**
 * The metrics as prom-client metrics on a registry: the queue gauges collect through `reader` on
 * each scrape (all of them from one read), the counters and the histogram count what the sink is
 * told. Throws a `JobsConfigurationError` when the registry already holds one of the names, having
 * added none of them.
 *
 * @example
 * const sink = promClientMetrics(await loadPromClient(), { prefix: 'jobs_', durationBuckets: [1, 10], reader });
 * sink.count(counter, 'welcome-email');
 */
export function promClientMetrics(client: PromClient, options: PromClientMetricsOptions): JobsMetricsSink {
  const registry = (options.registry ?? client.register) as Registry;
  const { prefix, reader } = options;
  const names = [
    ...Object.values(QUEUE_GAUGES).map((gauge) => gauge.name),
    ...JOB_COUNTERS.map((counter) => counter.name),
    JOB_DURATION.name,
  ].map((name) => `${prefix}${name}`);
  const taken = names.find((name) => registry.getSingleMetric(name) !== undefined);
  if (taken) throw new JobsConfigurationError(METRIC_ALREADY_REGISTERED(taken));

  const registers = [registry];
  for (const [key, metric] of Object.entries(QUEUE_GAUGES) as [keyof typeof QUEUE_GAUGES, (typeof QUEUE_GAUGES)[keyof typeof QUEUE_GAUGES]][]) {
    const gauge: InstanceType<PromClient['Gauge']> = new client.Gauge({
      name: `${prefix}${metric.name}`,
      help: metric.help,
      labelNames: ['queue'],
      registers,
      collect: async () => {
        const samples = await reader.read();
        // A queue that is gone (or a read that failed) leaves no series behind.
        gauge.reset();
        for (const sample of samples) gauge.set({ queue: sample.queue }, sample[key]);
      },
    });
  }
  const counters = new Map<JobCounterMetric, Counter<'queue'>>(
    JOB_COUNTERS.map((metric) => [
      metric,
      new client.Counter({ name: `${prefix}${metric.name}`, help: metric.help, labelNames: ['queue'], registers }),
    ]),
  );
  const duration: Histogram<'queue' | 'outcome'> = new client.Histogram({
    name: `${prefix}${JOB_DURATION.name}`,
    help: JOB_DURATION.help,
    labelNames: ['queue', 'outcome'],
    buckets: [...options.durationBuckets],
    registers,
  });

  return {
    startQueue(queue) {
      for (const counter of counters.values()) counter.inc({ queue }, 0);
      for (const outcome of ['completed', 'failed']) duration.zero({ queue, outcome });
    },
    count(metric, queue) {
      counters.get(metric)?.inc({ queue });
    },
    observeDuration(queue, outcome, seconds) {
      duration.observe({ queue, outcome }, seconds);
    },
    close() {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
