import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants.js';
import { ModuleRef } from '@nestjs/core';
import { JobsModule } from '../module/jobs.module.js';
import { JobsService } from '../runtime/jobs.service.js';
import { JobsOrchestrator } from '../runtime/jobs.orchestrator.js';
import { JobsRegistry } from '../runtime/jobs.registry.js';
import { JobsExplorer } from '../discover/jobs.explorer.js';
import { JobEventsBus } from '../runtime/job-events.bus.js';
import { JOBS_MODULE_OPTIONS } from '../module/jobs.module-definition.js';
import { JOBS_TELEMETRY, PG_BOSS, PG_BOSS_HANDLE } from '../module/jobs.constants.js';
import { JOBS_BACKEND } from '../backend/jobs-backend.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import { JobsTester } from './jobs.tester.js';
import { TestingJobsService } from './testing-jobs.service.js';
import { unavailablePgBoss } from './in-memory.backend.js';
import { JobsTestingError } from './errors/jobs-testing.error.js';
import { NOT_A_TESTING_MODULE } from './testing.messages.js';
import type {
  JobsTestingMode,
  JobsTestingOptions,
  OverrideJobsModuleOptions,
} from './interfaces/jobs-testing-options.interface.js';

type Token = Provider extends infer P ? (P extends { provide: infer T } ? T : never) : never;
type Replacement = { useValue: unknown } | { useFactory: (...args: any[]) => unknown; inject: Token[] };

/**
 * The providers of `JobsModule` that touch the database, and what replaces them. Everything else
 * (explorer, metadata accessor, events bus, job context...) stays the real thing. The tester takes
 * the orchestrator's place, so it is built in `JobsModule`'s own context in both ways in; the
 * registry and the backend (`JOBS_BACKEND`, in memory) are the tester's own, and `JobsService` is
 * the real one over them (a {@link TestingJobsService}).
 */
function replacements(mode: JobsTestingMode): Map<Token, Replacement> {
  const boss = unavailablePgBoss();
  return new Map<Token, Replacement>([
    [PG_BOSS_HANDLE, { useValue: { boss, owned: false } }],
    [PG_BOSS, { useValue: boss }],
    // No pg-boss, so nothing of pg-boss's telemetry to configure or read back.
    [JOBS_TELEMETRY, { useValue: null }],
    [
      JobsOrchestrator,
      {
        useFactory: (options: JobsModuleOptions, explorer: JobsExplorer, bus: JobEventsBus, moduleRef: ModuleRef) =>
          new JobsTester(mode, options ?? {}, explorer, bus, moduleRef),
        inject: [JOBS_MODULE_OPTIONS, JobsExplorer, JobEventsBus, ModuleRef],
      },
    ],
    [JobsRegistry, { useFactory: (tester: JobsTester) => tester.registry, inject: [JobsOrchestrator] }],
    [JOBS_BACKEND, { useFactory: (tester: JobsTester) => tester.backend, inject: [JobsOrchestrator] }],
    [
      JobsService,
      {
        useFactory: (tester: JobsTester, bus: JobEventsBus, options: JobsModuleOptions) =>
          new TestingJobsService(tester, bus, options ?? {}),
        inject: [JobsOrchestrator, JobEventsBus, JOBS_MODULE_OPTIONS],
      },
    ],
  ]);
}

const tokenOf = (provider: Provider): Token =>
  (typeof provider === 'function' ? provider : (provider as { provide: Token }).provide) as Token;

/**
 * Drop-in replacement for `JobsModule` in unit tests: no database, no pg-boss, no timers. Handlers
 * are discovered and their options resolved exactly as `JobsModule` does (a bad declaration fails
 * `compile()`/`init()` the way it fails bootstrap), and jobs run through the real runner.
 * `JobsService` is a {@link TestingJobsService}; get the {@link JobsTester} with
 * {@link getJobsTester}. Global, like `JobsModule`.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), PaymentsModule],
 * }).compile();
 * await moduleRef.init();
 * const tester = getJobsTester(moduleRef);
 */
@Module({})
export class JobsTestingModule {
  /**
   * @param options `mode` (`manual` by default, or `inline`) and the `JobsModule` options that
   *   shape jobs: `queueDefaults`, `workerDefaults`, `handlers`, `queues`, `logger`, `maxPayloadBytes`.
   *
   * @example
   * JobsTestingModule.forRoot({ mode: 'inline', queueDefaults: { retryLimit: 0 } })
   */
  static forRoot(options: JobsTestingOptions = {}): DynamicModule {
    const { mode = 'manual', ...moduleOptions } = options;
    const replaced = replacements(mode);
    // JobsModule's own provider list, so whatever it provides (now or in a later version) is here too.
    const original = (Reflect.getMetadata(MODULE_METADATA.PROVIDERS, JobsModule) ?? []) as Provider[];
    const providers: Provider[] = original.map((provider) => {
      const token = tokenOf(provider);
      const replacement = replaced.get(token);
      return replacement ? ({ provide: token, ...replacement } as Provider) : provider;
    });
    providers.push({ provide: JOBS_MODULE_OPTIONS, useValue: moduleOptions });
    return {
      module: JobsTestingModule,
      global: true,
      imports: Reflect.getMetadata(MODULE_METADATA.IMPORTS, JobsModule) ?? [],
      providers,
      exports: Reflect.getMetadata(MODULE_METADATA.EXPORTS, JobsModule) ?? [],
    };
  }
}

/**
 * The part of `@nestjs/testing`'s `TestingModuleBuilder` that `overrideJobsModule` uses, typed
 * structurally so this package needs no dependency on `@nestjs/testing`.
 */
export interface ProviderOverridingBuilder<B> {
  overrideProvider(token: any): {
    useValue(value: any): B;
    useFactory(options: { factory: (...args: any[]) => any; inject?: any[] }): B;
  };
}

/**
 * Swaps the real `JobsModule` (imported by the app's `AppModule` with `forRoot` or
 * `forRootAsync`) for the testing implementation, in one call over a `TestingModuleBuilder`.
 * Nest's `overrideModule` cannot match a dynamic module made by `forRoot`, so this overrides the
 * module's database-facing providers instead (`PG_BOSS`, the orchestrator and its registry, the
 * storage backend, `JobsService`): nothing connects, and the rest of `JobsModule` stays real. The app's own `JobsModule` options are kept
 * unless `moduleOptions` replaces them. Returns the builder, for more overrides.
 *
 * @example
 * const moduleRef = await overrideJobsModule(Test.createTestingModule({ imports: [AppModule] }), {
 *   mode: 'manual',
 * })
 *   .overrideProvider(FakeMailGateway).useValue(mailer)
 *   .compile();
 * const tester = getJobsTester(moduleRef);
 */
export function overrideJobsModule<B extends ProviderOverridingBuilder<B>>(
  builder: B,
  { mode = 'manual', moduleOptions }: OverrideJobsModuleOptions = {},
): B {
  let result = builder;
  for (const [token, replacement] of replacements(mode)) {
    const override = result.overrideProvider(token);
    result =
      'useValue' in replacement
        ? override.useValue(replacement.useValue)
        : override.useFactory({ factory: replacement.useFactory, inject: replacement.inject });
  }
  if (moduleOptions) result = result.overrideProvider(JOBS_MODULE_OPTIONS).useValue(moduleOptions);
  return result;
}

/**
 * The {@link JobsTester} of a testing module built with {@link JobsTestingModule} or
 * {@link overrideJobsModule}: pass the `TestingModule`, or the Nest application made from it.
 * Throws a {@link JobsTestingError} when `JobsService` there is the real one.
 *
 * @example
 * const tester = getJobsTester(moduleRef);
 * tester.expectEnqueued(WelcomeEmail);
 */
export function getJobsTester(app: { get(token: any, options?: { strict: boolean }): any }): JobsTester {
  const service: unknown = app.get(JobsService, { strict: false });
  if (service instanceof TestingJobsService) return service.tester;
  throw new JobsTestingError(NOT_A_TESTING_MODULE());
}
