import { Module, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigurableJobsModule, JOBS_MODULE_OPTIONS } from './jobs.module-definition.js';
import { JOBS_TELEMETRY, PG_BOSS, PG_BOSS_HANDLE } from './jobs.constants.js';
import { JobsLogger } from './jobs.logger.js';
import { createPgBoss, jobsSchema, type BossHandle } from '../backend/pg-boss/pg-boss.factory.js';
import { PgBossBackend } from '../backend/pg-boss/pg-boss.backend.js';
import { JOBS_BACKEND } from '../backend/jobs-backend.js';
import { JobsMetadataAccessor } from '../discover/jobs-metadata.accessor.js';
import { JobsExplorer } from '../discover/jobs.explorer.js';
import { JobsOrchestrator } from '../runtime/jobs.orchestrator.js';
import { JobsRegistry } from '../runtime/jobs.registry.js';
import { JobEventsBus } from '../runtime/job-events.bus.js';
import { JobsService } from '../runtime/jobs.service.js';
import { JobContext } from '../context/job-context.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import { loadTelemetry, type JobsTelemetry } from '../telemetry/load-telemetry.js';

const bossProviders: Provider[] = [
  {
    provide: PG_BOSS_HANDLE,
    useFactory: (options: JobsModuleOptions) => createPgBoss(options),
    inject: [JOBS_MODULE_OPTIONS],
  },
  {
    provide: PG_BOSS,
    useFactory: (handle: BossHandle) => handle.boss,
    inject: [PG_BOSS_HANDLE],
  },
  {
    // Loads the OpenTelemetry API only when `openTelemetry` is on (an optional dependency).
    provide: JOBS_TELEMETRY,
    useFactory: (options: JobsModuleOptions, handle: BossHandle) =>
      loadTelemetry(options ?? {}, handle.boss, JobsLogger.from(options?.logger)),
    inject: [JOBS_MODULE_OPTIONS, PG_BOSS_HANDLE],
  },
  {
    provide: JOBS_BACKEND,
    useFactory: (handle: BossHandle, options: JobsModuleOptions, telemetry: JobsTelemetry | null) =>
      new PgBossBackend(handle, jobsSchema(options ?? {}), telemetry?.sendContexts),
    inject: [PG_BOSS_HANDLE, JOBS_MODULE_OPTIONS, JOBS_TELEMETRY],
  },
];

/**
 * Background jobs on PostgreSQL. Import once, in the root module:
 *
 * @example
 * JobsModule.forRoot({ connectionString: process.env.DATABASE_URL })
 * JobsModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ connectionString: config.getOrThrow('DATABASE_URL') }),
 * })
 *
 * Then decorate provider methods with `@JobHandler` / `@Recurring` and inject `JobsService`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    ...bossProviders,
    JobsMetadataAccessor,
    JobsExplorer,
    JobEventsBus,
    JobsRegistry,
    JobsOrchestrator,
    JobsService,
    JobContext,
  ],
  // JobsRegistry and JOBS_BACKEND are internal (not in the package's index): exported so that
  // nest-pg-jobs/terminus's JobsHealthIndicator, provided in the app's own health module, can read them.
  // The options too, for JobsDashboardModule (nest-pg-jobs/dashboard), which shows the same database.
  exports: [JobsService, JobContext, PG_BOSS, JobsRegistry, JOBS_BACKEND, JOBS_MODULE_OPTIONS],
})
export class JobsModule extends ConfigurableJobsModule {}
