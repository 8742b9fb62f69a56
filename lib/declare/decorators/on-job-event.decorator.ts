import { SetMetadata } from '@nestjs/common';
import { JOB_EVENT_LISTENER_METADATA } from '../../module/jobs.constants.js';
import type { JobDefinition } from '../../interfaces/job-definition.interface.js';
import type { JobEvent, JobEventType } from '../../interfaces/job-event.interface.js';
import type { EventOutput } from '../../interfaces/job-result.interface.js';

/** Metadata stored by `@OnJobEvent`. */
export interface JobEventListenerMetadata {
  readonly type: JobEventType;
  /** Queue to listen to; all queues when absent. */
  readonly queue?: string;
}

// Generic over the decorated method, as @JobHandler: its parameter must accept the typed event.
type ListenerDecorator<T> = <M extends T>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Calls a provider method with each {@link JobEvent} of the given type, optionally for one job
 * definition or queue only. Listener errors are logged and never affect the job. For `completed`
 * and a definition with a result type (`defineJob<TData, TResult>`), the event's `output` is typed
 * by it (`JobEvent<StoredResult<TResult>>`), and a listener taking another output type is a compile error.
 *
 * @example
 * @OnJobEvent('dead-lettered', WelcomeEmail)
 * alert(event: JobEvent) { this.pager.notify(`welcome e-mail ${event.jobId} is dead`); }
 *
 * @OnJobEvent('completed', Invoice) // defineJob<{ orderId: string }, { total: number }>
 * record(event: JobEvent<{ total: number }>) { this.revenue.add(event.output?.total ?? 0); }
 */
export function OnJobEvent<R>(
  type: 'completed',
  definition: JobDefinition<any, any, R>,
): ListenerDecorator<(event: JobEvent<EventOutput<R>>) => unknown>;
export function OnJobEvent(type: JobEventType, queue?: JobDefinition<any, any> | string): MethodDecorator;
export function OnJobEvent(
  type: JobEventType,
  queue?: JobDefinition<any, any> | string,
): MethodDecorator {
  return SetMetadata<string, JobEventListenerMetadata>(JOB_EVENT_LISTENER_METADATA, {
    type,
    queue: typeof queue === 'string' ? queue : queue?.name,
  });
}
