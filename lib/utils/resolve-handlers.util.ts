import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { INVALID_HANDLER_OPTION, show } from '../jobs.messages.js';
import { describeText } from './describe-value.util.js';
import { resolveHandlerOptions } from './resolve-handler-options.util.js';
import { validateHandlerOptions } from './validate-options.util.js';
import { checkPayloadJson } from './validate-payload.util.js';
import type { DiscoveredHandler, RegisteredHandler } from '../interfaces/registered-handler.interface.js';
import type { JobHandlerOptionsContext } from '../interfaces/job-handler-options.interface.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';

/**
 * Turns discovered handlers into registered ones, as bootstrap does (and the testing module, so a
 * bad declaration fails a unit test the way it fails bootstrap): validates the module defaults,
 * runs option factories with `{ get, moduleOptions }`, merges and validates each handler's options,
 * and checks cron expressions with `parseCron` (pg-boss's `previewSchedule`).
 */
export async function resolveHandlers(
  discovered: readonly DiscoveredHandler[],
  moduleOptions: JobsModuleOptions,
  get: JobHandlerOptionsContext['get'],
  parseCron: (cron: string, tz: string) => void,
): Promise<RegisteredHandler[]> {
  validateHandlerOptions((moduleOptions.queueDefaults ?? {}) as Record<string, unknown>, 'JobsModule queueDefaults');
  validateHandlerOptions((moduleOptions.workerDefaults ?? {}) as Record<string, unknown>, 'JobsModule workerDefaults');
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
    if (handler.schedule) {
      assertCron(handler, parseCron);
      assertScheduleData(handler, moduleOptions);
    }
    handlers.push(handler);
  }
  return handlers;
}

// The payload of every tick is stored like a sent one: the same JSON and size checks, at bootstrap.
function assertScheduleData(handler: RegisteredHandler, moduleOptions: JobsModuleOptions): void {
  try {
    checkPayloadJson(handler.definition, handler.schedule!.data, { maxBytes: moduleOptions.maxPayloadBytes });
  } catch (error) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(`${handler.owner} (queue "${handler.queue}")`, `data: ${(error as Error).message}`),
      { cause: error },
    );
  }
}

// Checked before anything is written: previewSchedule parses exactly as the cron pass will.
function assertCron(handler: RegisteredHandler, parseCron: (cron: string, tz: string) => void): void {
  const { cron, tz } = handler.schedule!;
  try {
    parseCron(cron, tz ?? 'UTC');
  } catch (error) {
    throw new JobsConfigurationError(
      INVALID_HANDLER_OPTION(
        `${handler.owner} (queue "${handler.queue}")`,
        `cron ${show(cron)}${tz ? ` with tz ${show(tz)}` : ''} is invalid: ${describeText(String((error as Error)?.message))}`,
      ),
    );
  }
}
