import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { INVALID_HANDLER_OPTION, MISPLACED_DEFAULT } from '../errors/jobs.messages.js';
import { QUEUE_KEYS, resolveHandlerOptions } from '../declare/resolve-handler-options.util.js';
import { isHandlerOption, validateHandlerOptions } from '../declare/validate-options.util.js';
import { validatePayload } from '../declare/validate-payload.util.js';
import { scheduleExpressionProblem, type PreviewSchedule } from '../declare/validate-schedule.util.js';
import type {
  DiscoveredHandler,
  RecurringSchedule,
  RegisteredHandler,
} from '../interfaces/registered-handler.interface.js';
import type { JobHandlerOptionsContext } from '../interfaces/job-handler-options.interface.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';

/**
 * Turns discovered handlers into registered ones, as bootstrap does (and the testing module, so a
 * bad declaration fails a unit test the way it fails bootstrap): validates the module defaults,
 * runs option factories with `{ get, moduleOptions }`, merges and validates each handler's options,
 * and checks each `@Recurring` schedule: its expression with `preview` (pg-boss's `previewSchedule`,
 * see {@link scheduleExpressionProblem}) and its data against the definition.
 */
export async function resolveHandlers(
  discovered: readonly DiscoveredHandler[],
  moduleOptions: JobsModuleOptions,
  get: JobHandlerOptionsContext['get'],
  preview: PreviewSchedule,
): Promise<RegisteredHandler[]> {
  validateDefaults(moduleOptions);
  const context: JobHandlerOptionsContext = { moduleOptions, get };
  const handlers: RegisteredHandler[] = [];
  for (const item of discovered) {
    let declared = item.options;
    if (typeof declared === 'function') {
      try {
        declared = await (declared as (ctx: JobHandlerOptionsContext) => unknown)(context);
      } catch (error) {
        throw new JobsConfigurationError(
          INVALID_HANDLER_OPTION(item.owner, `its options factory threw: ${(error as Error).message}`),
          { cause: error },
        );
      }
    }
    const handler = resolveHandlerOptions(item, declared as never, moduleOptions);
    for (const schedule of handler.schedules ?? []) {
      const where = `${handler.owner} (queue "${handler.queue}"${schedule.key !== undefined ? `, key "${schedule.key}"` : ''})`;
      const problem = scheduleExpressionProblem(schedule.cron, schedule.tz, preview);
      if (problem !== undefined) throw new JobsConfigurationError(INVALID_HANDLER_OPTION(where, problem));
      await assertScheduleData(handler, schedule, where, moduleOptions);
    }
    handlers.push(handler);
  }
  return handlers;
}

// The payload of every tick is stored like a sent one: the same JSON, size and schema checks, at
// bootstrap. The tick sends null when no data is declared, and the worker checks that against the
// schema: so is it here.
async function assertScheduleData(
  handler: RegisteredHandler,
  schedule: RecurringSchedule,
  where: string,
  moduleOptions: JobsModuleOptions,
): Promise<void> {
  try {
    await validatePayload(handler.definition, schedule.data ?? null, { maxBytes: moduleOptions.maxPayloadBytes });
  } catch (error) {
    throw new JobsConfigurationError(INVALID_HANDLER_OPTION(where, `data: ${(error as Error).message}`), {
      cause: error,
    });
  }
}

/**
 * Checks the module's `queueDefaults` and `workerDefaults`: each takes its own kind of option, and an
 * option in the other one would be dropped without a word (a queue option among the worker defaults
 * never reaches a queue), so it is refused with the place it belongs.
 */
function validateDefaults(moduleOptions: JobsModuleOptions): void {
  const queueDefaults = (moduleOptions.queueDefaults ?? {}) as Record<string, unknown>;
  const workerDefaults = (moduleOptions.workerDefaults ?? {}) as Record<string, unknown>;
  const queueKeys: readonly string[] = QUEUE_KEYS;
  const misplacedWorker = Object.keys(queueDefaults).find((key) => queueDefaults[key] !== undefined && !queueKeys.includes(key));
  if (misplacedWorker !== undefined && isHandlerOption(misplacedWorker)) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION('JobsModule queueDefaults', MISPLACED_DEFAULT(misplacedWorker, 'a worker option', 'workerDefaults')),
    );
  }
  if (workerDefaults.subscribe !== undefined) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION('JobsModule workerDefaults', 'subscribe is per queue: declare it on the @JobHandler (or in handlers[queue])'),
    );
  }
  const misplacedQueue = Object.keys(workerDefaults).find((key) => workerDefaults[key] !== undefined && queueKeys.includes(key));
  if (misplacedQueue !== undefined) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION('JobsModule workerDefaults', MISPLACED_DEFAULT(misplacedQueue, 'a queue option', 'queueDefaults')),
    );
  }
  validateHandlerOptions(queueDefaults, 'JobsModule queueDefaults');
  validateHandlerOptions(workerDefaults, 'JobsModule workerDefaults');
}
