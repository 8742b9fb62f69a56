import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { JobsModuleExtras, JobsModuleOptions } from './interfaces/jobs-module-options.interface.js';

/**
 * `forRoot`/`forRootAsync` and the options token, generated declaratively. Global by default:
 * `JobsService` is injectable everywhere once `AppModule` imports the module.
 */
export const {
  ConfigurableModuleClass: ConfigurableJobsModule,
  MODULE_OPTIONS_TOKEN: JOBS_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<JobsModuleOptions>({ moduleName: 'Jobs' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createJobsOptions')
  .setExtras<JobsModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
