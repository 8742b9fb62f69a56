import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * A typed event: a name and, optionally, a schema for its payload. Created by `defineEvent`, shared by
 * the code that publishes it (`JobsService.publish`) and the handlers whose queues subscribe to it
 * (`@JobHandler(Def, { subscribe: [Event] })`). Publishing sends one job to every subscribed queue.
 *
 * `TInput` is what `publish` accepts; `TOutput` what the schema makes of it (they differ only when a
 * schema transforms the payload; each subscribed queue's handler validates its job with its own
 * definition).
 */
export interface EventDefinition<TInput = unknown, TOutput = TInput> {
  /** Tells an event from a job definition. */
  readonly kind: 'event';
  /** The event's name, as pg-boss's subscriptions store it. */
  readonly name: string;
  /** Standard Schema (zod, valibot, arktype...) that validates the payload at `publish`. */
  readonly schema?: StandardSchemaV1<TInput, TOutput>;
  /** Type-only marker; never set at runtime. */
  readonly __types?: { input: TInput; output: TOutput };
}

/** The payload type `publish` accepts for an event. */
export type EventInput<E> = E extends EventDefinition<infer I, unknown> ? I : never;
