import { JobsService } from '../runtime/jobs.service.js';
import type { JobEventsBus } from '../runtime/job-events.bus.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { JobsTester } from './jobs.tester.js';

/**
 * The `JobsService` the application's code receives in the testing module: the real `JobsService`
 * (same checks, same errors, same messages) over the tester's in-memory backend. Sending,
 * scheduling and cancelling work on the tester's in-memory queue (a valid `{ db }` is accepted and
 * ignored: there is no transaction to join); `getJob`, `findJobs`, `getQueueCounts`,
 * `getDeadLetters` and `redrive` read and change it. `boss` and `getQueue` need a database and
 * throw a {@link JobsTestingError}. It adds {@link tester}.
 *
 * @example
 * const jobs = moduleRef.get(JobsService); // a TestingJobsService
 * await jobs.send(WelcomeEmail, { userId: 'u1', email: 'ada@example.com' });
 * getJobsTester(moduleRef).expectEnqueued(WelcomeEmail, { userId: 'u1' });
 */
export class TestingJobsService extends JobsService {
  /** @internal Built by the testing module's providers. */
  constructor(
    /** The tester behind this service. */
    readonly tester: JobsTester,
    bus: JobEventsBus,
    options: JobsModuleOptions | undefined,
  ) {
    // The tester's registry (its handlers, discovered on first use) and its in-memory backend.
    super(tester.backend, tester.registry, bus, options);
  }
}
