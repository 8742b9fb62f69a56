import { ConfigurableModuleBuilder, type DynamicModule, type Provider } from '@nestjs/common';
import { validatingOptionsProvider } from '../utils/validating-options-provider.util.js';
import type { JobsPrometheusOptions } from './interfaces/jobs-prometheus-options.interface.js';
import { validatePrometheusOptions } from './validate-prometheus-options.util.js';

/**
 * `forRoot`/`forRootAsync` of `JobsPrometheusModule` and its options token
 * (`JOBS_PROMETHEUS_OPTIONS`), generated as `JobsModule`'s are. The options are validated as soon
 * as they are resolved, before any metric is created. Not global: nothing outside the module
 * injects from it. Tests can replace the options through the token:
 *
 * @example
 * Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(JOBS_PROMETHEUS_OPTIONS)
 *   .useValue({ registry: new Registry() })
 */
export const {
  ConfigurableModuleClass: ConfigurableJobsPrometheusModule,
  MODULE_OPTIONS_TOKEN: JOBS_PROMETHEUS_OPTIONS,
} = new ConfigurableModuleBuilder<JobsPrometheusOptions>({ moduleName: 'JobsPrometheus' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createJobsPrometheusOptions')
  .setExtras({}, (definition): DynamicModule => ({
    ...definition,
    providers: definition.providers?.map((provider): Provider =>
      validatingOptionsProvider<JobsPrometheusOptions>(JOBS_PROMETHEUS_OPTIONS, validatePrometheusOptions)(provider),
    ),
  }))
  .build();
