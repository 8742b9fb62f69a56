import { Module } from '@nestjs/common';
import { dashboardPreparationProvider } from './dashboard.preparation.js';
import { ConfigurableJobsDashboardModule } from './jobs-dashboard.module-definition.js';
import { JobsDashboardOrchestrator } from './jobs-dashboard.orchestrator.js';

/**
 * pg-boss's web dashboard (`@pg-boss/dashboard`, an optional peer: `npm i @pg-boss/dashboard`)
 * served inside the Nest app, on Express or Fastify, behind the app's own guards. It shows
 * `JobsModule`'s database and schema unless given `database`. Import it next to `JobsModule`:
 *
 * @example
 * JobsDashboardModule.forRoot({ path: '/jobs', guards: [AuthGuard, new RoleGuard('ops')], readOnly: true })
 * JobsDashboardModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ path: '/jobs', guards: [AuthGuard], readOnly: config.get('DASHBOARD_READ_ONLY') === 'true' }),
 * })
 */
@Module({
  providers: [dashboardPreparationProvider, JobsDashboardOrchestrator],
})
export class JobsDashboardModule extends ConfigurableJobsDashboardModule {}
