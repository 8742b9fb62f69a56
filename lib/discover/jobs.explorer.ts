import { Injectable } from '@nestjs/common';
import { ContextIdFactory, DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { JobsMetadataAccessor } from './jobs-metadata.accessor.js';
import { DuplicateJobHandlerError } from '../errors/duplicate-job-handler.error.js';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { MAX_RECURRING_KEY_LENGTH } from '../module/jobs.constants.js';
import { INVALID_HANDLER_OPTION, show } from '../errors/jobs.messages.js';
import { assertQueueName, isQueueName } from '../declare/validate-options.util.js';
import type { DiscoveredHandler, RecurringSchedule } from '../interfaces/registered-handler.interface.js';
import type { JobEventListenerMetadata } from '../declare/decorators/on-job-event.decorator.js';
import type { RecurringMetadata } from '../declare/decorators/recurring.decorator.js';

/** A discovered `@OnJobEvent` listener. */
export interface DiscoveredListener extends JobEventListenerMetadata {
  owner: string;
  invoke: (event: unknown) => unknown;
}

/** What the explorer found in the application. */
export interface ExploredJobs {
  handlers: DiscoveredHandler[];
  listeners: DiscoveredListener[];
}

/**
 * Walks every provider once and collects the methods decorated with `@JobHandler`, `@Recurring`
 * and `@OnJobEvent`. It only collects and checks declarations; the orchestrator acts on them.
 */
@Injectable()
export class JobsExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: JobsMetadataAccessor,
    private readonly moduleRef: ModuleRef,
  ) {}

  explore(): ExploredJobs {
    const handlers: DiscoveredHandler[] = [];
    const listeners: DiscoveredListener[] = [];
    const byQueue = new Map<string, DiscoveredHandler>();

    for (const wrapper of this.discovery.getProviders()) {
      // Request-scoped providers carry a prototype-only instance here, which is all the scan needs.
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      const className = (instance as object).constructor?.name ?? String(wrapper.name);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = prototype[method];
        const handler = this.accessor.getJobHandlerMetadata(fn);
        const recurring = this.accessor.getRecurringMetadata(fn);
        const listener = this.accessor.getEventListenerMetadata(fn);
        if (!handler && !recurring && !listener) continue;
        const owner = `${className}.${method}`;
        const invoke = this.invoker(wrapper, method);
        const found: DiscoveredHandler[] = [];
        if (handler) {
          const batch =
            typeof handler.options === 'object' && handler.options.batchSize !== undefined;
          found.push({
            kind: batch ? 'batch' : 'single',
            owner,
            definition: handler.definition,
            options: handler.options,
            invoke,
          });
        }
        if (recurring) found.push(...recurringHandlers(owner, recurring, invoke));
        for (const item of found) {
          assertQueueName(item.definition.name, owner);
          const previous = byQueue.get(item.definition.name);
          if (previous) {
            throw new DuplicateJobHandlerError(item.definition.name, [previous.owner, owner]);
          }
          byQueue.set(item.definition.name, item);
          handlers.push(item);
        }
        if (listener) listeners.push({ ...listener, owner, invoke });
      }
    }
    return { handlers, listeners };
  }

  /**
   * Calls the method on a static provider's singleton, or on a fresh instance per call for a
   * request-scoped or transient provider (the job is registered as that context's REQUEST). A
   * durable provider is shared by the jobs the app's `ContextIdStrategy` maps to one tree.
   */
  private invoker(wrapper: InstanceWrapper, method: string): (arg: unknown) => Promise<unknown> {
    if (wrapper.isDependencyTreeStatic() && !wrapper.isTransient) {
      const instance = wrapper.instance as Record<string, (arg: unknown) => unknown>;
      return async (arg) => instance[method]!(arg);
    }
    return async (arg) => {
      // getByRequest applies the app's ContextIdStrategy (durable providers) with the job as the request.
      const contextId = ContextIdFactory.getByRequest(arg as object);
      this.moduleRef.registerRequestByContextId(arg, contextId);
      const instance = (await this.moduleRef.resolve(wrapper.token, contextId, { strict: false })) as Record<
        string,
        (arg: unknown) => unknown
      >;
      return instance[method]!(arg);
    };
  }
}

/**
 * One recurring handler per queue the method's `@Recurring` decorators name, with one schedule per
 * decorator. Stacked decorators of one queue share its queue and worker options, so they may not
 * disagree on one, and each needs its own key (one may go without).
 */
function recurringHandlers(
  owner: string,
  declarations: readonly RecurringMetadata[],
  invoke: (arg: unknown) => Promise<unknown>,
): DiscoveredHandler[] {
  const byQueue = new Map<string, RecurringMetadata[]>();
  for (const declaration of declarations) {
    assertQueueName(declaration.definition.name, owner);
    byQueue.set(declaration.definition.name, [...(byQueue.get(declaration.definition.name) ?? []), declaration]);
  }
  return [...byQueue].map(([queue, group]) => {
    const where = `${owner} (queue "${queue}")`;
    const fail = (problem: string): never => {
      throw new JobsConfigurationError(INVALID_HANDLER_OPTION(where, problem));
    };
    // A definition carries a schema and queue options: every decorator of the queue must name it.
    const definitions = new Set(group.map((d) => d.definition).filter((d) => d.schema || Object.keys(d.options).length > 0));
    if (definitions.size > 1 || (definitions.size === 1 && group.some((d) => !definitions.has(d.definition)))) {
      fail('its @Recurring decorators name different definitions of the queue; use one definition (defineJob) in all of them');
    }
    const options: Record<string, unknown> = {};
    const schedules: RecurringSchedule[] = [];
    const keys = new Set<string | undefined>();
    for (const { cron, options: declared } of group) {
      if (typeof declared !== 'object' || declared === null) fail('the options must be an object');
      const { key, tz, data, ...shared } = declared;
      if (key !== undefined && (!isQueueName(key) || key.length > MAX_RECURRING_KEY_LENGTH)) {
        fail(
          `key ${show(key)} must be at most ${MAX_RECURRING_KEY_LENGTH} letters, digits, "_", "-", "." and "/" ` +
            `(pg-boss's rule for schedule keys)`,
        );
      }
      if (keys.has(key)) {
        fail(
          key === undefined
            ? 'several @Recurring decorators of the queue have no key; give each schedule of one queue its own key'
            : `two @Recurring decorators of the queue have key "${key}"; give each schedule its own key`,
        );
      }
      keys.add(key);
      for (const [name, value] of Object.entries(shared)) {
        if (value === undefined) continue;
        if (name in options && show(options[name]) !== show(value)) {
          fail(
            `its @Recurring decorators give ${name} different values (${show(options[name])} and ${show(value)}); ` +
              'queue and worker options apply to the whole queue, so give them once',
          );
        }
        options[name] = value;
      }
      schedules.push({ cron, ...(key !== undefined ? { key } : {}), ...(tz !== undefined ? { tz } : {}), ...(data !== undefined ? { data } : {}) });
    }
    const definition = [...definitions][0] ?? group[0]!.definition;
    return { kind: 'recurring', owner, definition, options, schedules, invoke } satisfies DiscoveredHandler;
  });
}
