/**
 * Thrown by the testing kit when a test uses it in a way it cannot honour: a `JobsService` method
 * that needs a database, a queue without a handler, a drain that never ends. The message says
 * what to do instead.
 *
 * @example
 * import { JobsTestingError } from 'nest-pg-jobs/testing';
 * expect(() => jobs.boss).toThrow(JobsTestingError); // no PgBoss without a database
 */
export class JobsTestingError extends Error {
  override readonly name: string = 'JobsTestingError';
}
