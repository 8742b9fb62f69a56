import { ConfigurableModuleBuilder, type DynamicModule, type Provider } from '@nestjs/common';
import { validatingOptionsProvider } from '../utils/validating-options-provider.util.js';
import type { JobsDashboardOptions } from './interfaces/jobs-dashboard-options.interface.js';
import { validateDashboardOptions } from './validate-dashboard-options.util.js';

/**
 * `forRoot`/`forRootAsync` of `JobsDashboardModule` and its options token
 * (`JOBS_DASHBOARD_OPTIONS`), generated as `JobsModule`'s are. The options are validated as soon as
 * they are resolved, before anything is loaded or mounted. Not global: nothing outside the module
 * injects from it. Tests can replace the options through the token:
 *
 * @example
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(JOBS_DASHBOARD_OPTIONS)
 *   .useValue({ path: '/jobs', guards: [AuthGuard], readOnly: true })
 */
export const {
  ConfigurableModuleClass: ConfigurableJobsDashboardModule,
  MODULE_OPTIONS_TOKEN: JOBS_DASHBOARD_OPTIONS,
} = new ConfigurableModuleBuilder<JobsDashboardOptions>({ moduleName: 'JobsDashboard' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createJobsDashboardOptions')
  .setExtras({}, (definition): DynamicModule => ({
    ...definition,
    providers: definition.providers?.map((provider): Provider =>
      validatingOptionsProvider<JobsDashboardOptions>(JOBS_DASHBOARD_OPTIONS, validateDashboardOptions)(provider),
    ),
  }))
  .build();
