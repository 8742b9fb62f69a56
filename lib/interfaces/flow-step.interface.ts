import type { JobDefinition } from './job-definition.interface.js';
import type { SendManyJobOptions } from './send-options.interface.js';

/**
 * One job of a flow (`JobsService.flow`). Build it with `flowStep()` so its payload is checked
 * against the definition's type.
 */
export interface FlowStep<I = unknown> {
  /** Names this job inside the flow; other steps list it in `dependsOn`. */
  readonly ref: string;
  readonly definition: JobDefinition<I, any> | string;
  readonly data: I;
  /** Job options (priority, startAfter, singletonKey, retries, ...). */
  readonly options?: SendManyJobOptions;
  /**
   * Refs of the steps that must complete before this one is fetched. If one of them ends failed
   * or cancelled instead, this job keeps waiting (pg-boss never starts it and never fails it):
   * retry or redrive the failed step, or cancel the waiting one.
   */
  readonly dependsOn?: readonly string[];
}
