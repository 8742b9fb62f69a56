import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { EventDefinition } from '../interfaces/event-definition.interface.js';
import type { JsonPayload, JsonSchemaInput } from '../interfaces/json-payload.interface.js';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { INVALID_EVENT_DEFINITION, show } from '../errors/jobs.messages.js';
import { assertQueueName } from './validate-options.util.js';

/** Options of {@link defineEvent}. */
export interface DefineEventOptions<S extends StandardSchemaV1 | undefined = undefined> {
  /** Payload schema implementing Standard Schema v1, checked at `publish`. */
  schema?: S;
}

/**
 * Defines a typed event: something that happened, which any number of queues subscribe to. Publish it
 * with `JobsService.publish(Event, data)` (transactional with `{ db }`, like `send`); each queue whose
 * handler declares `subscribe: [Event]` receives one job with the event's payload. Durable and
 * cross-process, unlike an in-process event emitter: the jobs are rows in PostgreSQL, retried and
 * dead-lettered as their queues say.
 *
 * Event names follow the queue-name rule (letters, digits, `_`, `-`, `.`, `/`).
 *
 * @example
 * export const UserSignedUp = defineEvent<{ userId: string }>('user.signed-up');
 * // with a schema (zod, valibot, arktype): the payload type is inferred from it
 * export const OrderPaid = defineEvent('order.paid', { schema: z.object({ orderId: z.string() }) });
 */
export function defineEvent<S extends StandardSchemaV1>(
  name: string,
  options: DefineEventOptions<S> & { schema: S & JsonSchemaInput<StandardSchemaV1.InferInput<S>> },
): EventDefinition<StandardSchemaV1.InferInput<S>, StandardSchemaV1.InferOutput<S>>;
export function defineEvent<TData extends object & JsonPayload<TData> = Record<string, unknown>>(
  name: string,
  options?: DefineEventOptions,
): EventDefinition<TData>;
export function defineEvent(name: string, options: DefineEventOptions<StandardSchemaV1 | undefined> = {}): EventDefinition<unknown> {
  const owner = `defineEvent(${show(name)})`;
  assertQueueName(name, owner);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new JobsConfigurationError(INVALID_EVENT_DEFINITION(name, 'the options must be an object'));
  }
  const unknown = Object.keys(options).find((key) => key !== 'schema');
  if (unknown !== undefined) {
    throw new JobsConfigurationError(INVALID_EVENT_DEFINITION(name, `unknown option ${show(unknown)} (known: schema)`));
  }
  const { schema } = options;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw new JobsConfigurationError(
      INVALID_EVENT_DEFINITION(name, '"schema" must implement Standard Schema v1 (zod >= 3.24, valibot >= 1, arktype >= 2)'),
    );
  }
  return Object.freeze({ kind: 'event' as const, name, ...(schema !== undefined ? { schema } : {}) });
}
