import type { QueueGauges } from '../backend/jobs-backend.js';
import type { JobEventType } from '../interfaces/job-event.interface.js';

/**
 * The metrics `nest-pg-jobs/prometheus` exports, in one place: prom-client's and OpenTelemetry's
 * instruments are both made from this list, the README's table lists it, and the Grafana
 * dashboard's test checks that its panels read nothing else. Names are given after the prefix
 * (`jobs_` by default), as Prometheus shows them. Labels: `queue` (the queue's name) on every
 * metric, and `outcome` on the duration; never a job id, a payload or an error message.
 */

/** @internal The default `prefix`. */
export const DEFAULT_PREFIX = 'jobs_';

/** @internal The default `durationBuckets`: from 5 ms (a no-op job) to 10 minutes (a report). */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** @internal One queue gauge: read from the database on each scrape, one series per declared queue. */
export interface QueueGaugeMetric {
  readonly name: string;
  readonly help: string;
  /** OpenTelemetry's unit (UCUM); Prometheus' name carries it already. */
  readonly unit: string;
}

/** @internal The queue gauges, by the field of `QueueGauges` each reports. */
export const QUEUE_GAUGES: Readonly<Record<Exclude<keyof QueueGauges, 'queue'>, QueueGaugeMetric>> = {
  waiting: {
    name: 'queue_waiting',
    help: 'Jobs waiting to run (created or retry), deferred and flow-blocked ones included.',
    unit: '{job}',
  },
  deferred: {
    name: 'queue_deferred',
    help: 'Waiting jobs whose start is still ahead (a delay or a retry backoff).',
    unit: '{job}',
  },
  active: { name: 'queue_active', help: 'Jobs a worker holds now.', unit: '{job}' },
  failed: {
    name: 'queue_failed',
    help: 'Failed jobs the queue holds (each used its last attempt), until pg-boss deletes them.',
    unit: '{job}',
  },
  deadLettered: {
    name: 'queue_dead_lettered',
    help: "Jobs waiting in the queue's dead-letter queue.",
    unit: '{job}',
  },
  oldestWaitingSeconds: {
    name: 'queue_oldest_waiting_seconds',
    help: 'Seconds the oldest due job has waited since it could first run; 0 when none is due.',
    unit: 's',
  },
};

/** @internal A counter of job events of this instance. */
export interface JobCounterMetric {
  /** As Prometheus shows it, with `_total`; OpenTelemetry's counter is named without it. */
  readonly name: string;
  readonly help: string;
  readonly event: JobEventType;
}

/** @internal The job counters, fed from `JobsService.events$` (jobs run in this instance). */
export const JOB_COUNTERS: readonly JobCounterMetric[] = [
  { name: 'completed_total', event: 'completed', help: 'Jobs completed by this instance.' },
  {
    name: 'failed_total',
    event: 'failed',
    help: 'Failed attempts in this instance (the handler threw, timed out or was cancelled, or the payload was invalid).',
  },
  { name: 'retried_total', event: 'retried', help: 'Failed attempts in this instance that will run again.' },
  {
    name: 'dead_lettered_total',
    event: 'dead-lettered',
    help: "Jobs this instance moved to their queue's dead-letter queue after their last attempt.",
  },
];

/** @internal The handler duration histogram, labelled `queue` and `outcome` (`completed`, `failed`). */
export const JOB_DURATION = {
  name: 'duration_seconds',
  help: 'How long handlers ran in this instance, by outcome (completed or failed).',
  unit: 's',
} as const;

/**
 * @internal Every series name the module exports with `prefix`, the histogram's `_bucket`, `_sum`
 * and `_count` included: what a PromQL expression over these metrics may name.
 *
 * @example
 * jobsSeriesNames('jobs_'); // ['jobs_queue_waiting', …, 'jobs_completed_total', …, 'jobs_duration_seconds_bucket', …]
 */
export function jobsSeriesNames(prefix: string = DEFAULT_PREFIX): string[] {
  const duration = `${prefix}${JOB_DURATION.name}`;
  return [
    ...Object.values(QUEUE_GAUGES).map((gauge) => `${prefix}${gauge.name}`),
    ...JOB_COUNTERS.map((counter) => `${prefix}${counter.name}`),
    `${duration}_bucket`,
    `${duration}_sum`,
    `${duration}_count`,
  ];
}
