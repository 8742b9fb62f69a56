import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * Thrown by `JobsService.send` when a payload fails the definition's schema (or is not a JSON
 * object); nothing reaches the database. A stored job that fails validation at receive is moved
 * to the dead-letter queue with this error as its output, without using its retries.
 */
export class JobValidationError extends Error {
  override readonly name: string = 'JobValidationError';
  constructor(
    message: string,
    /** Queue name of the job. */
    readonly queue: string,
    /** The schema's issues, empty when the payload was not an object. */
    readonly issues: ReadonlyArray<StandardSchemaV1.Issue> = [],
  ) {
    super(message);
  }
}
