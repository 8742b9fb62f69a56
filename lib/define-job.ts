import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { DefineJobOptions, JobDefinition } from './interfaces/job-definition.interface.js';
import type { JobQueueOptions } from './interfaces/queue-options.interface.js';
import { assertQueueName } from './utils/validate-options.util.js';

/**
 * Defines a typed job: a queue name, its queue options and, optionally, a payload schema. Share the
 * definition between the sender and the handler so a wrong payload is a compile error.
 *
 * @example
 * export const WelcomeEmail = defineJob<{ userId: string }>('welcome-email', {
 *   retryLimit: 5, retryBackoff: true, deadLetter: 'welcome-email.dead',
 * });
 * // with a schema (zod, valibot, arktype): the payload type is inferred from it
 * export const Thumbnail = defineJob('thumbnail', { schema: z.object({ imageId: z.string() }) });
 */
export function defineJob<S extends StandardSchemaV1>(
  name: string,
  options: DefineJobOptions<S> & { schema: S },
): JobDefinition<StandardSchemaV1.InferInput<S>, StandardSchemaV1.InferOutput<S>>;
export function defineJob<TData extends object = Record<string, unknown>>(
  name: string,
  options?: JobQueueOptions,
): JobDefinition<TData>;
export function defineJob(
  name: string,
  options: DefineJobOptions<StandardSchemaV1 | undefined> = {},
): JobDefinition<unknown> {
  assertQueueName(name, `defineJob('${name}')`);
  const { schema, ...queueOptions } = options;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw new TypeError(
      `defineJob('${name}'): "schema" must implement Standard Schema v1 (zod >= 3.24, valibot >= 1, arktype >= 2)`,
    );
  }
  return Object.freeze({ name, options: Object.freeze(queueOptions), schema });
}
