import type { BatchObservableCallback, Counter, Histogram, MeterProvider, ObservableGauge } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE } from '../telemetry/messaging-attributes.js';
import { JOB_COUNTERS, JOB_DURATION, QUEUE_GAUGES, type JobCounterMetric } from './jobs-metrics.catalog.js';
import type { JobsMetricsSink } from './jobs-metrics.sink.js';
import type { QueueGaugesReader } from './queue-gauges.reader.js';

/** What {@link openTelemetryMetrics} builds the instruments with. */
export interface OpenTelemetryMetricsOptions {
  meterProvider: MeterProvider;
  prefix: string;
  durationBuckets: readonly number[];
  reader: QueueGaugesReader;
}

/**
 * The metrics as OpenTelemetry instruments of the meter `nest-pg-jobs`: the queue gauges are
 * observable gauges fed by one batch callback (one read per collection), the counters and the
 * histogram record what the sink is told. Instrument names are chosen so that
 * `@opentelemetry/exporter-prometheus` shows the names prom-client does: the counters are named
 * without `_total` (the exporter appends it to monotonic sums), the others as they are. The
 * exporter adds its own `otel_scope_*` labels and `target_info`.
 *
 * @example
 * const sink = openTelemetryMetrics({ meterProvider, prefix: 'jobs_', durationBuckets: [1, 10], reader });
 */
export function openTelemetryMetrics(options: OpenTelemetryMetricsOptions): JobsMetricsSink {
  const { prefix, reader } = options;
  const meter = options.meterProvider.getMeter(INSTRUMENTATION_SCOPE);
  const gauges = (Object.entries(QUEUE_GAUGES) as [keyof typeof QUEUE_GAUGES, (typeof QUEUE_GAUGES)[keyof typeof QUEUE_GAUGES]][]).map(
    ([key, metric]): [keyof typeof QUEUE_GAUGES, ObservableGauge] => [
      key,
      meter.createObservableGauge(`${prefix}${metric.name}`, { description: metric.help, unit: metric.unit }),
    ],
  );
  const observe: BatchObservableCallback = async (result) => {
    for (const sample of await reader.read()) {
      for (const [key, gauge] of gauges) result.observe(gauge, sample[key], { queue: sample.queue });
    }
  };
  const observables = gauges.map(([, gauge]) => gauge);
  meter.addBatchObservableCallback(observe, observables);
  const counters = new Map<JobCounterMetric, Counter>(
    JOB_COUNTERS.map((metric) => [
      metric,
      meter.createCounter(`${prefix}${metric.name.replace(/_total$/, '')}`, { description: metric.help }),
    ]),
  );
  const duration: Histogram = meter.createHistogram(`${prefix}${JOB_DURATION.name}`, {
    description: JOB_DURATION.help,
    unit: JOB_DURATION.unit,
    advice: { explicitBucketBoundaries: [...options.durationBuckets] },
  });

  return {
    startQueue(queue) {
      for (const counter of counters.values()) counter.add(0, { queue });
    },
    count(metric, queue) {
      counters.get(metric)?.add(1, { queue });
    },
    observeDuration(queue, outcome, seconds) {
      duration.record(seconds, { queue, outcome });
    },
    close() {
      // An SDK cannot take instruments back: once unobserved, the gauges are no longer read (with
      // cumulative temporality the SDK keeps exporting their last values).
      meter.removeBatchObservableCallback(observe, observables);
    },
  };
}
