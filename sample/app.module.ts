import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { JobsDashboardModule } from 'nest-pg-jobs/dashboard';
import { JobsPrometheusModule } from 'nest-pg-jobs/prometheus';
import { JobValidationFilter } from './common/job-validation.filter.js';
import { jobsModule } from './jobs.config.js';
import { HealthModule } from './health/health.module.js';
import { DashboardAuthGuard } from './dashboard/dashboard-auth.guard.js';
import { ImagesModule } from './images/images.module.js';
import { ImportsModule } from './imports/imports.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { PaymentsModule } from './payments/payments.module.js';
import { UsersModule } from './users/users.module.js';

@Module({
  imports: [
    // JobsModule, shared with the worker process (sample/jobs.config.ts).
    jobsModule(),
    // pg-boss's dashboard at /jobs, on JobsModule's database, behind a basic-auth guard.
    // DASHBOARD_READ_ONLY=true refuses every action (retry, cancel, delete...) while pages render.
    JobsDashboardModule.forRootAsync({
      useFactory: () => ({
        path: '/jobs',
        guards: [DashboardAuthGuard],
        readOnly: process.env.DASHBOARD_READ_ONLY === 'true',
      }),
    }),
    // Prometheus metrics of the jobs at GET /metrics (prom-client's global registry, served by the app:
    // an app with @willsoto/nestjs-prometheus imports JobsPrometheusModule.forRoot() without path).
    JobsPrometheusModule.forRoot({ path: '/metrics' }),
    UsersModule,
    ImagesModule,
    ImportsModule,
    PaymentsModule,
    MaintenanceModule,
    HealthModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: JobValidationFilter }],
})
export class AppModule {}
