import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import { JOBS_MODULE_OPTIONS } from '../module/jobs.module-definition.js';
import { DashboardGate, resolveDashboardGuards } from './dashboard.gate.js';
import { DASHBOARD_NOT_MOUNTED } from './dashboard.messages.js';
import { mountDashboard } from './dashboard.mount.js';
import type { JobsDashboardOptions } from './interfaces/jobs-dashboard-options.interface.js';
import { JOBS_DASHBOARD_OPTIONS } from './jobs-dashboard.module-definition.js';
import { loadDashboardHandler, type DashboardHandler } from './load-dashboard-handler.util.js';
import { resolveDashboardDatabase } from './resolve-dashboard-database.util.js';

/**
 * The dashboard's lifecycle. `onModuleInit`: resolve the database (the option, or `JobsModule`'s
 * connection), the guards and `@pg-boss/dashboard`, then mount the handler on the HTTP adapter
 * (routes can still be added then, on both adapters). `onApplicationShutdown`, after Nest closed
 * the HTTP server: close the handler, which ends its pools and pg-boss instances.
 */
@Injectable()
export class JobsDashboardOrchestrator implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('JobsDashboard');
  private handler: DashboardHandler | undefined;

  constructor(
    @Inject(JOBS_DASHBOARD_OPTIONS) private readonly options: JobsDashboardOptions,
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onModuleInit(): Promise<void> {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) {
      // An application context or a TestingModule of the app: nothing to serve, nothing to check.
      this.logger.debug(DASHBOARD_NOT_MOUNTED());
      return;
    }
    const { path, guards = [], readOnly = false, allowedActionOrigins, database } = this.options;
    const resolved = resolveDashboardDatabase(database, this.jobsModuleOptions());
    const gate = new DashboardGate(await resolveDashboardGuards(guards, this.moduleRef), readOnly, this.logger);
    const createDashboardHandler = await loadDashboardHandler();
    // Lazy: the handler loads the dashboard's server build and opens its pool on the first request.
    const handler = createDashboardHandler({
      databases: [resolved],
      basePath: path,
      ...(allowedActionOrigins ? { allowedActionOrigins } : {}),
    });
    this.handler = handler;
    mountDashboard(adapter, { path, gate, handler, logger: this.logger });
    this.logger.log(`Dashboard mounted at ${path}${readOnly ? ' (read-only)' : ''}, schema "${resolved.schema}"`);
  }

  async onApplicationShutdown(): Promise<void> {
    const handler = this.handler;
    this.handler = undefined;
    await handler?.close();
  }

  /** `JobsModule`'s options, wherever in the app it is (its options are not exported). */
  private jobsModuleOptions(): JobsModuleOptions | undefined {
    try {
      return (this.moduleRef.get(JOBS_MODULE_OPTIONS, { strict: false }) as JobsModuleOptions | null) ?? undefined;
    } catch {
      return undefined;
    }
  }
}
