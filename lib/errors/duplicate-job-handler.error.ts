import { DUPLICATE_HANDLER } from './jobs.messages.js';
import { JobsConfigurationError } from './jobs-configuration.error.js';

/** Thrown at bootstrap when two methods handle the same queue. */
export class DuplicateJobHandlerError extends JobsConfigurationError {
  override readonly name: string = 'DuplicateJobHandlerError';
  constructor(
    readonly queue: string,
    readonly handlers: [string, string],
  ) {
    super(DUPLICATE_HANDLER(queue, handlers[0], handlers[1]));
  }
}
