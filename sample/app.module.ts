import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { JobsModule } from 'nest-pg-jobs';
import { JobsDashboardModule } from 'nest-pg-jobs/dashboard';
import { JobsPrometheusModule } from 'nest-pg-jobs/prometheus';
import { JobValidationFilter } from './common/job-validation.filter.js';
import { HealthModule } from './health/health.module.js';
import { DashboardAuthGuard } from './dashboard/dashboard-auth.guard.js';
import { ImagesModule } from './images/images.module.js';
import { ImportsModule } from './imports/imports.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { PaymentsModule } from './payments/payments.module.js';
import { UsersModule } from './users/users.module.js';

@Module({
  imports: [
    // forRootAsync: the options are read when the app starts, not when this file is imported
    // (main.ts may set DATABASE_URL first). With @nestjs/config, inject ConfigService here.
    JobsModule.forRootAsync({
      useFactory: () => {
        const connectionString = process.env.DATABASE_URL;
        if (!connectionString) throw new Error('DATABASE_URL is not set');
        return {
          connectionString,
          // In-flight jobs get this long to finish when the app stops; later they are retried.
          shutdownTimeoutMs: 10_000,
        };
      },
    }),
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
