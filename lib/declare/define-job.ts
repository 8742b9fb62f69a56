import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { DefineJobOptions, JobDefinition, JobDefinitionOptions } from '../interfaces/job-definition.interface.js';
import type { JsonPayload, JsonSchemaInput } from '../interfaces/json-payload.interface.js';
import type { JsonResultCheck } from '../interfaces/job-result.interface.js';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { INVALID_HANDLER_OPTION, show } from '../errors/jobs.messages.js';
import { assertQueueName, validateHandlerOptions } from './validate-options.util.js';
import { QUEUE_KEYS } from './resolve-handler-options.util.js';

/** What `defineJob` accepts besides `schema`: the queue options and the queue's `rateLimit`. */
const DEFINITION_KEYS = [...QUEUE_KEYS, 'rateLimit'] as const;

/**
 * Defines a typed job: a queue name, its queue options and, optionally, a payload schema. Share the
 * definition between the sender and the handler so a wrong payload is a compile error.
 *
 * The payload travels as JSON, so its type must be what JSON delivers ({@link JsonPayload}): a
 * `Date`, a class instance with methods, a `Map`, a `Set` or a BigInt in it is a compile error
 * (a `Date` would reach the handler as a string). With a schema, the same holds for the schema's
 * input; its output may be anything (`z.coerce.date()` hands the handler a `Date`).
 *
 * The second type parameter, `TResult`, is what the handler returns: a handler returning another
 * type is a compile error, and `getJob`/`findJobs` type a completed job's `output` with it (an
 * object as it is, another value as `{ value }`). It is stored as JSON, so it follows the payload's
 * rule (`JsonResult`; a `Date` in it is a compile error on `name`); `void` declares a handler that
 * returns nothing. Without it (`unknown`) neither is checked. It is a type only: nothing checks a
 * result at run time.
 *
 * @example
 * export const WelcomeEmail = defineJob<{ userId: string }>('welcome-email', {
 *   retryLimit: 5, retryBackoff: true, deadLetter: 'welcome-email.dead',
 * });
 * // with a result type: the handler must return it, getJob/findJobs type `output` with it
 * export const Invoice = defineJob<{ orderId: string }, { total: number }>('invoice');
 * // with a schema (zod, valibot, arktype): the payload type is inferred from it
 * export const Thumbnail = defineJob('thumbnail', { schema: z.object({ imageId: z.string() }) });
 * // a schema and a result type: name the schema's type
 * const resize = z.object({ imageId: z.string() });
 * export const Resize = defineJob<typeof resize, { bytes: number }>('resize', { schema: resize });
 */
export function defineJob<S extends StandardSchemaV1, TResult = unknown>(
  name: NoInfer<string & JsonResultCheck<TResult>>,
  options: DefineJobOptions<S> & { schema: S & JsonSchemaInput<StandardSchemaV1.InferInput<S>> },
): JobDefinition<StandardSchemaV1.InferInput<S>, StandardSchemaV1.InferOutput<S>, TResult>;
export function defineJob<TData extends object & JsonPayload<TData> = Record<string, unknown>, TResult = unknown>(
  name: NoInfer<string & JsonResultCheck<TResult>>,
  options?: JobDefinitionOptions,
): JobDefinition<TData, TData, TResult>;
export function defineJob(
  name: string,
  options: DefineJobOptions<StandardSchemaV1 | undefined> = {},
): JobDefinition<unknown> {
  assertQueueName(name, `defineJob(${show(name)})`);
  const owner = `defineJob('${name}')`;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new JobsConfigurationError(INVALID_HANDLER_OPTION(owner, 'the options must be an object'));
  }
  const { schema, ...queueOptions } = options;
  // Checked here rather than at bootstrap, so the mistake points at the definition. Worker options
  // (concurrency...) belong on @JobHandler, not on the definition; the queue's rate limit is both.
  const known: readonly string[] = DEFINITION_KEYS;
  const unknown = Object.keys(queueOptions).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(owner, `unknown option ${show(unknown)} (known: schema, ${DEFINITION_KEYS.join(', ')})`),
    );
  }
  validateHandlerOptions(queueOptions as Record<string, unknown>, owner);
  if (queueOptions.deadLetter === name) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(owner, `deadLetter cannot be the queue itself; use e.g. "${name}.dead"`),
    );
  }
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw new TypeError(
      `defineJob('${name}'): "schema" must implement Standard Schema v1 (zod >= 3.24, valibot >= 1, arktype >= 2)`,
    );
  }
  return Object.freeze({ name, options: Object.freeze(queueOptions), schema });
}
