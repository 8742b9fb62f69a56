import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { DashboardGate, resolveDashboardGuards } from './dashboard.gate.js';
import { DASHBOARD_NOT_MOUNTED } from './dashboard.messages.js';
import { mountDashboard } from './dashboard.mount.js';
import type { JobsDashboardOptions } from './interfaces/jobs-dashboard-options.interface.js';
import { JOBS_DASHBOARD_OPTIONS } from './jobs-dashboard.module-definition.js';
import type { DashboardHandler } from './load-dashboard-handler.util.js';
import { DASHBOARD_PREPARATION, type DashboardPreparation } from './dashboard.preparation.js';

/**
 * The dashboard's lifecycle. `onModuleInit`: take the prepared database and `@pg-boss/dashboard`
 * (see `dashboard.preparation.ts`), resolve the guards, then mount the handler on the HTTP adapter
 * (routes can still be added then, on both adapters). `onApplicationShutdown`, after Nest closed
 * the HTTP server: close the handler, which ends its pools and pg-boss instances.
 */
@Injectable()
export class JobsDashboardOrchestrator implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('JobsDashboard');
  private handler: DashboardHandler | undefined;

  constructor(
    @Inject(JOBS_DASHBOARD_OPTIONS) private readonly options: JobsDashboardOptions,
    @Inject(DASHBOARD_PREPARATION) private readonly prepare: () => Promise<DashboardPreparation>,
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
    const { path, guards = [], readOnly = false, allowedActionOrigins } = this.options;
    const { database, createDashboardHandler } = await this.prepare();
    const gate = new DashboardGate(await resolveDashboardGuards(guards, this.moduleRef), readOnly, this.logger);
    // Lazy: the handler loads the dashboard's server build and opens its pool on the first request.
    const handler = createDashboardHandler({
      databases: [database],
      basePath: path,
      ...(allowedActionOrigins ? { allowedActionOrigins } : {}),
    });
    this.handler = handler;
    mountDashboard(adapter, { path, gate, handler, logger: this.logger });
    this.logger.log(`Dashboard mounted at ${path}${readOnly ? ' (read-only)' : ''}, schema "${database.schema}"`);
  }

  async onApplicationShutdown(): Promise<void> {
    const handler = this.handler;
    this.handler = undefined;
    await handler?.close();
  }
}
