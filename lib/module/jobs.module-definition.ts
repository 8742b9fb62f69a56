import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import type { JobsModuleExtras, JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
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
  .setExtras<JobsModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    providers: definition.providers?.map(validatingOptionsProvider),
    global: extras.isGlobal,
  }))
  .build();

// The builder has no validation hook: the options provider it generated is wrapped instead. It is
// a value provider for forRoot and a factory provider for forRootAsync (useFactory, useClass and
// useExisting all become a factory).
function validatingOptionsProvider(provider: Provider): Provider {
  if (typeof provider !== 'object' || !('provide' in provider) || provider.provide !== JOBS_MODULE_OPTIONS) {
    return provider;
  }
  if ('useValue' in provider) {
    const options = provider.useValue as JobsModuleOptions;
    return { provide: JOBS_MODULE_OPTIONS, useFactory: () => validateModuleOptions(options) };
  }
  if ('useFactory' in provider) {
    const factory = provider.useFactory;
    return {
      ...provider,
      useFactory: async (...args: unknown[]) => validateModuleOptions(await factory(...args)),
    };
  }
  return provider;
}
