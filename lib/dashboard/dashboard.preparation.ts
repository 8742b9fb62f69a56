import type { FactoryProvider } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import { JOBS_MODULE_OPTIONS } from '../module/jobs.module-definition.js';
import { assertSupportedAdapter } from './dashboard.mount.js';
import type { JobsDashboardOptions } from './interfaces/jobs-dashboard-options.interface.js';
import { JOBS_DASHBOARD_OPTIONS } from './jobs-dashboard.module-definition.js';
import { loadDashboardHandler, type CreateDashboardHandler } from './load-dashboard-handler.util.js';
import { resolveDashboardDatabase, type DashboardDatabaseInput } from './resolve-dashboard-database.util.js';

/** What the dashboard needs that can be settled before any module starts. */
export interface DashboardPreparation {
  database: DashboardDatabaseInput;
  createDashboardHandler: CreateDashboardHandler;
}

/** Internal token: a function that gives the {@link DashboardPreparation}. */
export const DASHBOARD_PREPARATION = Symbol('nest-pg-jobs:DashboardPreparation');

/**
 * Resolves the database and loads `@pg-boss/dashboard` while Nest creates providers, so that a
 * missing `database` or a missing peer fails bootstrap before any module's `onModuleInit`: Nest
 * initialises global modules first, and `JobsModule` would otherwise have started pg-boss (whose
 * timers no shutdown hook stops after a failed init). `NestFactory.create` knows its HTTP adapter
 * by then; a `TestingModule` learns it only in `createNestApplication`, so there the work waits for
 * the orchestrator's `onModuleInit`, and does not happen at all in an app without HTTP.
 */
export const dashboardPreparationProvider: FactoryProvider = {
  provide: DASHBOARD_PREPARATION,
  inject: [JOBS_DASHBOARD_OPTIONS, HttpAdapterHost, { token: JOBS_MODULE_OPTIONS, optional: true }],
  useFactory: async (
    options: JobsDashboardOptions,
    adapterHost: HttpAdapterHost,
    jobs: JobsModuleOptions | null | undefined,
  ): Promise<() => Promise<DashboardPreparation>> => {
    const prepare = async (): Promise<DashboardPreparation> => ({
      database: resolveDashboardDatabase(options.database, jobs ?? undefined),
      createDashboardHandler: await loadDashboardHandler(),
    });
    const adapter = adapterHost.httpAdapter;
    if (!adapter) return prepare;
    assertSupportedAdapter(adapter.getType());
    const prepared = await prepare();
    return async () => prepared;
  },
};
