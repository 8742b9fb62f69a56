import { pickQueueOptions } from './resolve-handler-options.util.js';
import { validateHandlerOptions } from './validate-options.util.js';
import type { JobQueueOptions } from '../interfaces/queue-options.interface.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { RegisteredHandler } from '../interfaces/registered-handler.interface.js';

/** A queue the app declares, with the declaration that owns it. */
export interface DeclaredQueue {
  name: string;
  /** The queue's options as it is created: the owner's resolved options, or the module defaults. */
  options: JobQueueOptions;
  /** Who declares it, for messages: `EmailJobs.sendWelcome`. */
  declaredBy: string;
  /**
   * `true`: created when missing and updated when its options changed (queues with a handler here).
   * `false`: only created when missing (dead-letter queues, producer-only declarations).
   */
  managed: boolean;
}

/**
 * Every queue the app declares, as bootstrap creates them and the testing kit stores into them:
 * one per handler (with the handler's resolved queue options), one per definition in the module's
 * `queues` (the module's `queueDefaults` under the definition's options, checked here), and one per
 * dead-letter queue these name that nothing else declares (the module defaults without a
 * `deadLetter`, so that it cannot dead-letter into itself). A queue declared twice keeps its first
 * declaration, in that order.
 */
export function declaredQueues(
  handlers: readonly RegisteredHandler[],
  options: Pick<JobsModuleOptions, 'queues' | 'queueDefaults'>,
): DeclaredQueue[] {
  const declared = new Map<string, DeclaredQueue>();
  for (const h of handlers) {
    declared.set(h.queue, { name: h.queue, options: h.queueOptions, declaredBy: h.owner, managed: true });
  }
  const defaults = pickQueueOptions((options.queueDefaults ?? {}) as Record<string, unknown>);
  for (const definition of options.queues ?? []) {
    const declaredBy = `JobsModule queues ("${definition.name}")`;
    const queueOptions = { ...defaults, ...pickQueueOptions(definition.options as Record<string, unknown>) };
    validateHandlerOptions(queueOptions as Record<string, unknown>, declaredBy);
    if (!declared.has(definition.name)) {
      declared.set(definition.name, { name: definition.name, options: queueOptions, declaredBy, managed: false });
    }
  }
  const { deadLetter: _ignored, ...deadLetterOptions } = defaults;
  for (const q of [...declared.values()]) {
    const dlq = q.options.deadLetter;
    if (dlq && !declared.has(dlq)) {
      declared.set(dlq, {
        name: dlq,
        options: { ...deadLetterOptions },
        declaredBy: `the deadLetter of "${q.name}" (${q.declaredBy})`,
        managed: false,
      });
    }
  }
  return [...declared.values()];
}
