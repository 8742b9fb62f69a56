/** Thrown at bootstrap when pg-boss cannot start, after the configured attempts. */
export class JobsStartError extends Error {
  override readonly name: string = 'JobsStartError';
}
