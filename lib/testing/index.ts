export { JobsTestingModule, overrideJobsModule, getJobsTester, type ProviderOverridingBuilder } from './jobs-testing.module.js';
export { JobsTester, type EnqueuedExpectation } from './jobs.tester.js';
export { TestingJobsService } from './testing-jobs.service.js';
export * from './errors/index.js';
export type {
  JobsTestingMode,
  JobsTestingOptions,
  JobsTestingModuleOptions,
  OverrideJobsModuleOptions,
} from './interfaces/jobs-testing-options.interface.js';
export type {
  TestJob,
  TestJobRecord,
  TestJobState,
  TypedTestJob,
  DrainSummary,
  DrainOptions,
  PerformJobOptions,
  TestSchedule,
  TestPublishedEvent,
} from './interfaces/test-job.interface.js';
export type { DeepPartial } from './match.util.js';
export { waitForJob, waitUntilIdle, expectEnqueuedInDatabase, type WaitOptions, type JobsApp } from './database.helpers.js';
