import type { InjectionToken, Provider } from '@nestjs/common';

/**
 * Wraps the options provider a `ConfigurableModuleBuilder` generated so that the options are
 * validated as soon as they are resolved: a value for `forRoot`, a factory's result for
 * `forRootAsync` (useFactory, useClass and useExisting all become a factory). The builder has no
 * validation hook of its own. Other providers pass through unchanged.
 *
 * @example
 * .setExtras({}, (definition) => ({
 *   ...definition,
 *   providers: definition.providers?.map(validatingOptionsProvider(OPTIONS, validateOptions)),
 * }))
 */
export function validatingOptionsProvider<T>(
  token: InjectionToken,
  validate: (options: T) => T,
): (provider: Provider) => Provider {
  return (provider) => {
    if (typeof provider !== 'object' || !('provide' in provider) || provider.provide !== token) {
      return provider;
    }
    if ('useValue' in provider) {
      const options = provider.useValue as T;
      return { provide: token, useFactory: () => validate(options) };
    }
    if ('useFactory' in provider) {
      const factory = provider.useFactory;
      return {
        ...provider,
        useFactory: async (...args: unknown[]) => validate(await factory(...args)),
      };
    }
    return provider;
  };
}
