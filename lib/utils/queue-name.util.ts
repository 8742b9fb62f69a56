import type { JobDefinition } from '../interfaces/job-definition.interface.js';

/**
 * Longest queue name, in characters (a queue name is ASCII, so also in bytes): 255. pg-boss sets
 * no limit, but PostgreSQL does: the name is in the key of several btree indexes of the job table,
 * next to the singleton key or group id, and an index row holds at most 2,704 bytes, so a longer
 * name can make every insert or fetch of its queue fail. Checked before anything else is done with
 * the name, so a name sent to with request data allocates nothing (schedule keys follow the same
 * rule).
 */
export const MAX_QUEUE_NAME_LENGTH = 255;

/** A job definition, or a bare queue name, as every `JobsService` and testing-kit method takes it. */
export type AnyDefinition = JobDefinition<any, any> | string;

/** The queue name of a definition or of a bare name. */
export const queueNameOf = (definition: AnyDefinition): string =>
  typeof definition === 'string' ? definition : definition.name;
