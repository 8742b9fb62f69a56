import { ConfigurableModuleBuilder, type DynamicModule, type Provider } from '@nestjs/common';
import type { JobsModuleExtras, JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import { validatingOptionsProvider } from '../utils/validating-options-provider.util.js';
import { validateModuleOptions } from './validate-module-options.util.js';

/**
 * `forRoot`/`forRootAsync` and the options token, generated declaratively. Global by default:
 * `JobsService` is injectable everywhere once `AppModule` imports the module. The options are
 * validated as soon as they are resolved (a value for `forRoot`, a factory's result for
 * `forRootAsync`), before pg-boss is built from them or anything connects.
 */
export const {
  ConfigurableModuleClass: ConfigurableJobsModule,
  MODULE_OPTIONS_TOKEN: JOBS_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<JobsModuleOptions>({ moduleName: 'Jobs' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createJobsOptions')
  .setExtras<JobsModuleExtras>({ isGlobal: true }, (definition, extras): DynamicModule => ({
    ...definition,
    providers: definition.providers?.map(
      // The token is read when the builder calls this, after the destructuring above has run.
      (provider): Provider => validatingOptionsProvider<JobsModuleOptions>(JOBS_MODULE_OPTIONS, validateModuleOptions)(provider),
    ),
    global: extras.isGlobal,
  }))
  .build();
