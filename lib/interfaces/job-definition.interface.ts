import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { JobQueueOptions } from './queue-options.interface.js';
import type { JobRateLimit } from './job-handler-options.interface.js';

/**
 * What `defineJob` takes besides a schema: the queue options, and the queue's cluster-wide
 * `rateLimit` (a handler's options may override it).
 */
export interface JobDefinitionOptions extends JobQueueOptions {
  /** At most `max` job starts per `perSeconds` window, across the cluster (see `JobWorkerOptions.rateLimit`). */
  rateLimit?: JobRateLimit;
}

/**
 * A typed job: its queue name, queue options and, optionally, a schema for its payload. Created by
 * {@link defineJob} and shared by the code that sends the job and the handler that runs it.
 *
 * `TInput` is what `send` accepts; `TOutput` is what the handler receives (they differ only when
 * a schema transforms the payload). `TResult` is what the handler returns, stored as the job's
 * `output` (`unknown`, the default, leaves the handler's return type and `output` unchecked).
 */
export interface JobDefinition<TInput = unknown, TOutput = TInput, TResult = unknown> {
  /** The pg-boss queue name. */
  readonly name: string;
  /** Queue options (and `rateLimit`) declared with the job. */
  readonly options: Readonly<JobDefinitionOptions>;
  /** Standard Schema (zod, valibot, arktype...) that validates the payload at send and at receive. */
  readonly schema?: StandardSchemaV1<TInput, TOutput>;
  /** Type-only marker; never set at runtime. */
  readonly __types?: { input: TInput; output: TOutput; result: TResult };
}

/** Options of {@link defineJob}: queue options, `rateLimit`, plus an optional payload schema. */
export interface DefineJobOptions<S extends StandardSchemaV1 | undefined = undefined>
  extends JobDefinitionOptions {
  /** Payload schema implementing Standard Schema v1. */
  schema?: S;
}

/** The payload type `send` accepts for a definition. */
export type JobInput<D> = D extends JobDefinition<infer I, unknown> ? I : never;
/** The payload type a handler receives for a definition. */
export type JobOutput<D> = D extends JobDefinition<unknown, infer O> ? O : never;
/**
 * The result type a definition's handler returns (`defineJob<TData, TResult>`); `unknown` for a
 * definition declared without one. What a completed job stores is `StoredResult<JobResult<D>>`.
 */
export type JobResult<D> = D extends JobDefinition<any, any, infer R> ? R : never;
