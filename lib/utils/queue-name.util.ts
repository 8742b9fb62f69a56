import type { JobDefinition } from '../interfaces/job-definition.interface.js';

/** A job definition, or a bare queue name, as every `JobsService` and testing-kit method takes it. */
export type AnyDefinition = JobDefinition<any, any> | string;

/** The queue name of a definition or of a bare name. */
export const queueNameOf = (definition: AnyDefinition): string =>
  typeof definition === 'string' ? definition : definition.name;
