import { bullmqSystem } from './bullmq.system.js';
import { graphileWorkerSystem } from './graphile-worker.system.js';
import { nestPgJobsSystem } from './nest-pg-jobs.system.js';
import { pgBossDefaultsSystem, pgBossSystem } from './pg-boss.system.js';
import type { BenchSystem, SystemContext } from './system.interface.js';
import { wavezyncSystem } from './wavezync.system.js';

export interface SystemEntry {
  /** Row label in the tables. */
  label: string;
  /** Needs Redis rather than its own Postgres database. */
  redis?: boolean;
  create(ctx: SystemContext): Promise<BenchSystem>;
}

/** Every system, in table order. nest-pg-jobs (defaults) is the reference for the ratios. */
export const SYSTEMS = {
  'nest-pg-jobs': { label: 'nest-pg-jobs, @JobHandler(def) defaults', create: (ctx) => nestPgJobsSystem(ctx, 'default') },
  'nest-pg-jobs-tuned': { label: 'nest-pg-jobs, batch 100 × 2 loops', create: (ctx) => nestPgJobsSystem(ctx, 'tuned') },
  'nest-pg-jobs-otel': {
    label: 'nest-pg-jobs defaults, openTelemetry: true, no SDK',
    create: (ctx) => nestPgJobsSystem(ctx, 'otel'),
  },
  'nest-pg-jobs-otel-sdk': {
    label: 'nest-pg-jobs defaults, openTelemetry: true + SDK',
    create: (ctx) => nestPgJobsSystem(ctx, 'otel-sdk'),
  },
  'nest-pg-jobs-prom': {
    label: 'nest-pg-jobs defaults + JobsPrometheusModule',
    create: (ctx) => nestPgJobsSystem(ctx, 'prom'),
  },
  'nest-pg-jobs-progress': {
    label: 'nest-pg-jobs defaults + await job.updateProgress(n)',
    create: (ctx) => nestPgJobsSystem(ctx, 'progress'),
  },
  'pg-boss': { label: 'raw pg-boss, options of nest-pg-jobs defaults', create: (ctx) => pgBossSystem(ctx, false) },
  'pg-boss-tuned': { label: 'raw pg-boss, options of nest-pg-jobs tuned', create: (ctx) => pgBossSystem(ctx, true) },
  'pg-boss-defaults': { label: 'raw pg-boss, its own defaults (batch 100 + burst)', create: pgBossDefaultsSystem },
  'graphile-worker': { label: 'graphile-worker 0.18, batching on', create: graphileWorkerSystem },
  'bullmq-redis': { label: 'BullMQ 6 on Redis, concurrency 50', redis: true, create: (ctx) => bullmqSystem(ctx, 'redis') },
  'bullmq-postgres': { label: 'BullMQ 6 on Postgres, concurrency 50', create: (ctx) => bullmqSystem(ctx, 'postgres') },
  '@wavezync/nestjs-pgboss': { label: '@wavezync/nestjs-pgboss 5, batch 100 + burst', create: wavezyncSystem },
} satisfies Record<string, SystemEntry>;

export type SystemName = keyof typeof SYSTEMS;
export const SYSTEM_NAMES = Object.keys(SYSTEMS) as SystemName[];
/**
 * Rows of the soak scenario only (pg-boss with its own defaults: docs/benchmarks.md says why the
 * other scenarios keep the mirrors of nest-pg-jobs' options); other scenarios run them only when
 * --only names them.
 */
export const SOAK_ONLY_SYSTEMS: readonly SystemName[] = ['pg-boss-defaults'];
/** The raw pg-boss rows each mirror one nest-pg-jobs row, for the overhead scenario. */
export const OVERHEAD_PAIRS: ReadonlyArray<[SystemName, SystemName]> = [
  ['nest-pg-jobs', 'pg-boss'],
  ['nest-pg-jobs-tuned', 'pg-boss-tuned'],
];
