/**
 * Thrown by the testing kit's expectations (`expectEnqueued`, `expectNotEnqueued`,
 * `expectEnqueuedInDatabase`, `waitForJob`). A plain `Error` subclass, so it works with Jest,
 * Vitest, `node:test` or Mocha alike; its message lists what was found instead.
 *
 * @example
 * import { JobAssertionError } from 'nest-pg-jobs/testing';
 * expect(() => tester.expectEnqueued(WelcomeEmail, { userId: 'nobody' })).toThrow(JobAssertionError);
 */
export class JobAssertionError extends Error {
  override readonly name: string = 'JobAssertionError';
}
