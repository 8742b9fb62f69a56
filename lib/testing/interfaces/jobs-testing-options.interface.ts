import type { JobsModuleOptions } from '../../interfaces/jobs-module-options.interface.js';

/**
 * How the testing module runs jobs sent through `JobsService`.
 *
 * - `manual`: jobs are only recorded. Assert on them (`expectEnqueued`, `enqueued`) and run them
 *   when the test says so (`drain`), like Oban's `:manual` testing mode or `Sidekiq::Testing.fake!`.
 * - `inline`: `send` runs the job's handler at once, before it resolves, like Oban's `:inline`
 *   mode. One attempt: a handler error rejects the `send` call with that error.
 */
export type JobsTestingMode = 'manual' | 'inline';

/**
 * The module options that shape jobs without a database: defaults and overrides merge into each
 * handler's options exactly as `JobsModule` merges them at bootstrap, and `maxPayloadBytes` bounds
 * payloads at send as `JobsService` does.
 */
export type JobsTestingModuleOptions = Pick<
  JobsModuleOptions,
  'queueDefaults' | 'workerDefaults' | 'handlers' | 'queues' | 'logger' | 'maxPayloadBytes'
>;

/**
 * Options of `JobsTestingModule.forRoot`.
 *
 * @example
 * JobsTestingModule.forRoot({ mode: 'manual', queueDefaults: { retryLimit: 1 }, logger: false })
 */
export interface JobsTestingOptions extends JobsTestingModuleOptions {
  /** `manual` (default) records jobs until `drain`; `inline` runs each job at `send`. */
  mode?: JobsTestingMode;
}

/**
 * Options of `overrideJobsModule`.
 *
 * @example
 * overrideJobsModule(Test.createTestingModule({ imports: [AppModule] }), {
 *   mode: 'manual',
 *   moduleOptions: { logger: false }, // instead of the app's forRootAsync factory
 * })
 */
export interface OverrideJobsModuleOptions {
  /** `manual` (default) records jobs until `drain`; `inline` runs each job at `send`. */
  mode?: JobsTestingMode;
  /**
   * Replaces the app's `JobsModule` options (and so skips its `forRootAsync` factory). Leave it
   * out to keep the app's own options, resolved as in production: its `queueDefaults`,
   * `workerDefaults` and `handlers` then apply in the tests too, and the connection options are
   * ignored. Give it when the app's factory needs what tests lack (a `DATABASE_URL`).
   */
  moduleOptions?: JobsTestingModuleOptions;
}
