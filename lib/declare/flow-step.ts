import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import type { FlowStep } from '../interfaces/flow-step.interface.js';
import type { SendManyJobOptions } from '../interfaces/send-options.interface.js';

/**
 * A typed step of a flow: the payload must match the definition.
 *
 * @example
 * const ids = await jobs.flow([
 *   flowStep('small', Resize, { imageId, width: 64 }),
 *   flowStep('large', Resize, { imageId, width: 1024 }),
 *   flowStep('publish', Publish, { imageId }, { dependsOn: ['small', 'large'] }),
 * ]);
 * // ids.publish is the parent's job id; it runs once both resizes have completed.
 */
export function flowStep<I>(
  ref: string,
  definition: JobDefinition<I, any>,
  data: NoInfer<I>,
  options: SendManyJobOptions & { dependsOn?: readonly string[] } = {},
): FlowStep<I> {
  const { dependsOn, ...jobOptions } = options;
  return { ref, definition, data, options: jobOptions, ...(dependsOn ? { dependsOn } : {}) };
}
