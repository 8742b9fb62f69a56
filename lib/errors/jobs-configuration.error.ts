/**
 * Thrown at bootstrap when a job declaration or the module options are invalid. The message names
 * the handler and says what to change.
 */
export class JobsConfigurationError extends Error {
  override readonly name: string = 'JobsConfigurationError';
}
