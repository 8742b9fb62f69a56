import { defineJob } from '../lib/index.js';

/**
 * The job every chaos scenario streams. `expireInSeconds` is short so a job whose worker died is
 * retried within seconds (with the worker's 2 s supervise/monitor passes) instead of pg-boss's
 * 15 minutes; retries are generous because a fault may fail an attempt without it being the
 * job's fault. Jobs that still fail land in `chaos.dead`, which counts as not lost.
 */
export const ChaosJob = defineJob<{ seq: number }>('chaos', {
  retryLimit: 20,
  retryDelay: 1,
  expireInSeconds: 10,
  deadLetter: 'chaos.dead',
});

/** The `@Recurring` queue of scenario 8. */
export const TICK_QUEUE = 'chaos-tick';

/** application_name of the worker and producer connections: the ones scenario 4 terminates. */
export const WORKER_APPLICATION_NAME = 'chaos-worker';
export const PRODUCER_APPLICATION_NAME = 'chaos-producer';
/** application_name of the handlers' own recording pool, left alone by scenario 4. */
export const RECORDER_APPLICATION_NAME = 'chaos-recorder';

/** pg-boss intervals that bound how fast a dead worker's jobs come back (see docs/reliability.md). */
export const CHAOS_BOSS_INTERVALS = { superviseIntervalSeconds: 2, monitorIntervalSeconds: 2 } as const;

/** Tables the handlers write, one row per execution. */
export const CHAOS_TABLES_SQL = `
  CREATE TABLE IF NOT EXISTS chaos_executions (
    job_id uuid NOT NULL, seq int NOT NULL, attempt int NOT NULL, pid int NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp());
  CREATE INDEX IF NOT EXISTS chaos_executions_job ON chaos_executions (job_id);
  CREATE TABLE IF NOT EXISTS chaos_ticks (
    job_id uuid NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
`;

/** Messages a worker process sends to the runner over IPC. */
export type WorkerMessage =
  | { type: 'ready'; pid: number }
  | { type: 'failed'; error: string }
  /** Sent when SIGTERM arrives: how many handler calls were running at that moment. */
  | { type: 'sigterm'; inFlight: number };
