import { SetMetadata } from '@nestjs/common';
import { JOB_HANDLER_METADATA } from '../../module/jobs.constants.js';
import type { JobDefinition } from '../../interfaces/job-definition.interface.js';
import type { Job } from '../../interfaces/job.interface.js';
import type {
  JobHandlerOptions,
  JobHandlerOptionsFactory,
} from '../../interfaces/job-handler-options.interface.js';
import type { BatchHandlerReturn } from '../../interfaces/batch-result.interface.js';
import type { HandlerReturn } from '../../interfaces/job-result.interface.js';
import type { EventDefinition } from '../../interfaces/event-definition.interface.js';

/** `subscribe` typed for a definition taking `I`: an event whose payload does not fit `I` is a compile error. */
type Subscribe<I> = { subscribe?: readonly EventDefinition<I, any>[] };

/** Metadata stored by `@JobHandler`. */
export interface JobHandlerMetadata {
  readonly definition: JobDefinition<unknown, unknown>;
  readonly options: JobHandlerOptions | JobHandlerOptionsFactory;
}

// R is the definition's result type: unknown (none declared) leaves the return type unchecked.
type SingleHandler<T, R> = (job: Job<T>) => HandlerReturn<R>;
type BatchHandler<T, R> = (jobs: Job<T>[]) => BatchHandlerReturn<R> | Promise<BatchHandlerReturn<R>>;

// Generic over the decorated method so that its parameter is checked against the definition and,
// when the definition declares a result type, its return type (a method returning Promise<X> must
// still fit a handler typed to return unknown).
type MethodDecorator<T> = <M extends T>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Marks a provider method as the handler of a job. The module finds it at bootstrap, creates the
 * queue and runs a worker that calls the method with each job; the provider's dependencies are
 * injected as usual. A wrong payload type for the definition is a compile error, and so is a wrong
 * return type for a definition with a result type (`defineJob<TData, TResult>`): what the handler
 * returns is stored as the job's `output`. A batch handler of such a definition returns a
 * `BatchJobResult<TResult>` per job, whose `completed` ones carry the job's result.
 *
 * @example
 * @JobHandler(WelcomeEmail, { concurrency: 5 })
 * async sendWelcome(job: Job<{ userId: string }>) { await this.mailer.welcome(job.data.userId); }
 *
 * // batch handler: receives up to batchSize jobs
 * @JobHandler(ImportRow, { batchSize: 100 })
 * async importRows(jobs: Job<Row>[]) { await this.repo.insertMany(jobs.map((j) => j.data)); }
 *
 * // a definition with a result type (defineJob<{ orderId: string }, { total: number }>): the return type is checked
 * @JobHandler(Invoice)
 * async invoice(job: Job<{ orderId: string }>) { return { total: await this.prices.total(job.data.orderId) }; }
 *
 * // a queue subscribed to an event (defineEvent): each jobs.publish(UserSignedUp, data) sends it a job
 * @JobHandler(WelcomeEmail, { subscribe: [UserSignedUp] })
 * async welcome(job: Job<{ userId: string }>) { ... }
 *
 * // options from configuration, resolved at bootstrap
 * @JobHandler(WelcomeEmail, ({ get }) => ({ concurrency: get(ConfigService).get('MAIL_CONCURRENCY') }))
 */
export function JobHandler<I, O, R>(
  definition: JobDefinition<I, O, R>,
  options: JobHandlerOptions & { batchSize: number } & Subscribe<I>,
): MethodDecorator<BatchHandler<O, R>>;
export function JobHandler<I, O, R>(
  definition: JobDefinition<I, O, R>,
  options?: JobHandlerOptions & { batchSize?: undefined } & Subscribe<I>,
): MethodDecorator<SingleHandler<O, R>>;
export function JobHandler<I, O, R>(
  definition: JobDefinition<I, O, R>,
  options: JobHandlerOptionsFactory,
): MethodDecorator<SingleHandler<O, R> | BatchHandler<O, R>>;
export function JobHandler(
  name: string,
  options?: JobHandlerOptions | JobHandlerOptionsFactory,
): MethodDecorator<SingleHandler<any, unknown> | BatchHandler<any, unknown>>;
export function JobHandler(
  definition: JobDefinition<unknown, unknown> | string,
  options: JobHandlerOptions | JobHandlerOptionsFactory = {},
): MethodDecorator<any> {
  const def = typeof definition === 'string' ? { name: definition, options: {} } : definition;
  return SetMetadata<string, JobHandlerMetadata>(JOB_HANDLER_METADATA, {
    definition: def,
    options,
  }) as MethodDecorator<any>;
}
