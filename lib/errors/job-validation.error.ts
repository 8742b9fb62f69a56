import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * Thrown by `JobsService` (`send`, `sendMany`, `flow`, `schedule`, and the calls that take job ids)
 * when what it was asked to write is invalid: a payload that fails the definition's schema, is not
 * a JSON object, holds values JSON cannot carry (BigInt, cycles, functions...) or exceeds
 * `maxPayloadBytes`; invalid send options (`priority: NaN`, `startAfter: -1`, a key over 1024
 * bytes, a `deadLetter` that is no dead-letter queue...); an invalid cron expression or time zone;
 * an id that is not a uuid; invalid lookup options (`findJobs`, `getDeadLetters`, `redrive`).
 * Nothing reaches the database, except for a value only PostgreSQL refuses (a `\u0000` in a
 * payload), whose statement it rolls back. A stored job that fails validation at receive is moved
 * to the dead-letter queue with this error as its output, without using its retries.
 */
export class JobValidationError extends Error {
  override readonly name: string = 'JobValidationError';
  constructor(
    message: string,
    /** Queue name of the job. */
    readonly queue: string,
    /**
     * The schema's issues; for a payload JSON cannot carry, one issue with the path of the value;
     * empty for other problems (not an object, invalid options).
     */
    readonly issues: ReadonlyArray<StandardSchemaV1.Issue> = [],
  ) {
    super(message);
  }
}
