import type { EventDefinition } from '../interfaces/event-definition.interface.js';

/** Whether `value` is an event made by {@link defineEvent} (or shaped like one). */
export function isEventDefinition(value: unknown): value is EventDefinition<unknown> {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'event' && typeof (value as { name?: unknown }).name === 'string';
}
