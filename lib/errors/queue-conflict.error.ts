import { IMMUTABLE_QUEUE_OPTION_CHANGED } from './jobs.messages.js';
import { JobsConfigurationError } from './jobs-configuration.error.js';

/** Thrown at bootstrap when declared options differ from the queue in ways pg-boss cannot apply. */
export class QueueConflictError extends JobsConfigurationError {
  override readonly name: string = 'QueueConflictError';
  constructor(
    readonly queue: string,
    readonly option: string,
    readonly current: unknown,
    readonly declared: unknown,
    declaredBy: string,
  ) {
    super(IMMUTABLE_QUEUE_OPTION_CHANGED(queue, option, current, declared, declaredBy));
  }
}
