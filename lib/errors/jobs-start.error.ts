/**
 * Thrown at bootstrap when pg-boss cannot start (after the configured attempts, or at once when
 * retrying cannot help), or when the module's own table in pg-boss's schema (paused queues) is
 * missing and cannot be created, or may not be used by the role. The message says what to change.
 */
export class JobsStartError extends Error {
  override readonly name: string = 'JobsStartError';
}
