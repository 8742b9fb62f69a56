import type { StoreStats } from '../support/soak.js';

/** What every job carries: a sequence number, enough to match a job to its send. */
export interface Payload {
  i: number;
  /** Soak: performance.now() in the sending process just before the send (sender and worker share it). */
  t?: number;
}

/** The queue (or task identifier) every system uses. */
export const QUEUE = 'bench';

/** What a system adapter gets from the child process that runs it. */
export interface SystemContext {
  /** A database of its own for this run (empty, created by the harness). */
  databaseUrl: string;
  /** Redis for BullMQ on Redis (flushed by the harness before the run). */
  redisUrl?: string;
  /**
   * Called at the moment a handler starts on a job, before any work. A promise back is the job's
   * work (the soak's 5 ms handlers): the handler awaits it. Otherwise it returns nothing, and the
   * handler must not add an await of its own (the no-op scenarios measure the systems, not that).
   */
  onJob(data: Payload): void | Promise<void>;
  /** The pg-boss options nest-pg-jobs was seen to use (for the raw pg-boss mirrors). */
  probe?: ProbeResult;
}

/**
 * One system under test. `prepare` creates schema and queue and an enqueue-side client; workers
 * start only in `startWorkers`, so jobs can be pre-inserted for the burn-down.
 */
export interface BenchSystem {
  /** The settings this row runs with, written to latest.json. */
  readonly settings: Record<string, unknown>;
  prepare(): Promise<void>;
  send(data: Payload): Promise<void>;
  sendMany(data: Payload[]): Promise<void>;
  startWorkers(): Promise<void>;
  /** Jobs not yet completed (queued, retrying or active), read from the store. */
  remaining(): Promise<number>;
  /** Soak: size and maintenance counters of the store (bench/support/store-stats.ts). */
  storeStats?(): Promise<StoreStats>;
  close(): Promise<void>;
}

/** The pg-boss calls nest-pg-jobs made at bootstrap, recorded by patching PgBoss's prototype. */
export interface ProbedOptions {
  /** Constructor options that differ from `new PgBoss({ connectionString })`. */
  constructorOptions: Record<string, unknown>;
  queueOptions: Record<string, unknown>;
  workOptions: Record<string, unknown> | null;
  /** How many `work()` loops the module started for the queue (one per concurrency slot). */
  workCalls: number;
}

export interface ProbeResult {
  default: ProbedOptions;
  tuned: ProbedOptions;
}
