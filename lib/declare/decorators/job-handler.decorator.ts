import { SetMetadata } from '@nestjs/common';
import { JOB_HANDLER_METADATA } from '../../module/jobs.constants.js';
import type { JobDefinition } from '../../interfaces/job-definition.interface.js';
import type { Job } from '../../interfaces/job.interface.js';
import type {
  JobHandlerOptions,
  JobHandlerOptionsFactory,
} from '../../interfaces/job-handler-options.interface.js';
import type { BatchJobResult } from '../../interfaces/batch-result.interface.js';

/** Metadata stored by `@JobHandler`. */
export interface JobHandlerMetadata {
  readonly definition: JobDefinition<unknown, unknown>;
  readonly options: JobHandlerOptions | JobHandlerOptionsFactory;
}

type SingleHandler<T> = (job: Job<T>) => unknown;
type BatchHandler<T> = (jobs: Job<T>[]) => Promise<void | BatchJobResult[]> | void | BatchJobResult[];

// Generic over the decorated method so that only its parameter is checked against the definition
// (a method returning Promise<X> must still fit a handler typed to return unknown).
type MethodDecorator<T> = <M extends T>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Marks a provider method as the handler of a job. The module finds it at bootstrap, creates the
 * queue and runs a worker that calls the method with each job; the provider's dependencies are
 * injected as usual. A wrong payload type for the definition is a compile error.
 *
 * @example
 * @JobHandler(WelcomeEmail, { concurrency: 5 })
 * async sendWelcome(job: Job<{ userId: string }>) { await this.mailer.welcome(job.data.userId); }
 *
 * // batch handler: receives up to batchSize jobs
 * @JobHandler(ImportRow, { batchSize: 100 })
 * async importRows(jobs: Job<Row>[]) { await this.repo.insertMany(jobs.map((j) => j.data)); }
 *
 * // options from configuration, resolved at bootstrap
 * @JobHandler(WelcomeEmail, ({ get }) => ({ concurrency: get(ConfigService).get('MAIL_CONCURRENCY') }))
 */
export function JobHandler<I, O>(
  definition: JobDefinition<I, O>,
  options: JobHandlerOptions & { batchSize: number },
): MethodDecorator<BatchHandler<O>>;
export function JobHandler<I, O>(
  definition: JobDefinition<I, O>,
  options?: JobHandlerOptions & { batchSize?: undefined },
): MethodDecorator<SingleHandler<O>>;
export function JobHandler<I, O>(
  definition: JobDefinition<I, O>,
  options: JobHandlerOptionsFactory,
): MethodDecorator<SingleHandler<O> | BatchHandler<O>>;
export function JobHandler(
  name: string,
  options?: JobHandlerOptions | JobHandlerOptionsFactory,
): MethodDecorator<SingleHandler<any> | BatchHandler<any>>;
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
