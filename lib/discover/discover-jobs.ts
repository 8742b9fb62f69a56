import type { JobsExplorer } from './jobs.explorer.js';
import { resolveHandlers } from './resolve-handlers.util.js';
import { declaredQueues, type DeclaredQueue } from '../declare/declared-queues.js';
import type { PreviewSchedule } from '../declare/validate-schedule.util.js';
import type { JobEventsBus } from '../runtime/job-events.bus.js';
import type { JobsLogger } from '../module/jobs.logger.js';
import type { JobHandlerOptionsContext } from '../interfaces/job-handler-options.interface.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { RegisteredHandler } from '../interfaces/registered-handler.interface.js';

/** What the app declares, once discovered and resolved: its handlers and every queue it needs. */
export interface DiscoveredJobs {
  handlers: RegisteredHandler[];
  queues: DeclaredQueue[];
}

/** What {@link discoverJobs} needs from the module it runs in. */
export interface DiscoverJobsContext {
  explorer: JobsExplorer;
  events: JobEventsBus;
  options: JobsModuleOptions;
  /** Resolves a provider for option factories (`ModuleRef.get`, not strict). */
  get: JobHandlerOptionsContext['get'];
  /** Parses cron expressions as the scheduler will (pg-boss's `previewSchedule`). */
  preview: PreviewSchedule;
  logger: JobsLogger | undefined;
}

/**
 * The declaration half of bootstrap, run by `JobsModule` at init and by the testing kit alike, so
 * that a declaration refused at bootstrap is refused in unit tests with the same error: explores
 * the providers, subscribes the `@OnJobEvent` listeners, resolves and checks each handler's options
 * and schedules ({@link resolveHandlers}), then lists the queues to create ({@link declaredQueues}).
 * Touches no database.
 */
export async function discoverJobs(context: DiscoverJobsContext): Promise<DiscoveredJobs> {
  const explored = context.explorer.explore();
  context.events.subscribeListeners(explored.listeners, context.logger);
  const handlers = await resolveHandlers(explored.handlers, context.options, context.get, context.preview);
  return { handlers, queues: declaredQueues(handlers, context.options) };
}
