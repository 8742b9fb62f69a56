import { SetMetadata } from '@nestjs/common';
import { JOB_EVENT_LISTENER_METADATA } from '../../module/jobs.constants.js';
import type { JobDefinition } from '../../interfaces/job-definition.interface.js';
import type { JobEventType } from '../../interfaces/job-event.interface.js';

/** Metadata stored by `@OnJobEvent`. */
export interface JobEventListenerMetadata {
  readonly type: JobEventType;
  /** Queue to listen to; all queues when absent. */
  readonly queue?: string;
}

/**
 * Calls a provider method with each {@link JobEvent} of the given type, optionally for one job
 * definition or queue only. Listener errors are logged and never affect the job.
 *
 * @example
 * @OnJobEvent('dead-lettered', WelcomeEmail)
 * alert(event: JobEvent) { this.pager.notify(`welcome e-mail ${event.jobId} is dead`); }
 */
export function OnJobEvent(
  type: JobEventType,
  queue?: JobDefinition<any, any> | string,
): MethodDecorator {
  return SetMetadata<string, JobEventListenerMetadata>(JOB_EVENT_LISTENER_METADATA, {
    type,
    queue: typeof queue === 'string' ? queue : queue?.name,
  });
}
