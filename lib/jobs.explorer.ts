import { Injectable } from '@nestjs/common';
import { ContextIdFactory, DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { JobsMetadataAccessor } from './jobs-metadata.accessor.js';
import { DuplicateJobHandlerError } from './errors/duplicate-job-handler.error.js';
import { assertQueueName } from './utils/validate-options.util.js';
import type { DiscoveredHandler } from './interfaces/registered-handler.interface.js';
import type { JobEventListenerMetadata } from './decorators/on-job-event.decorator.js';

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
        if (recurring) {
          found.push({
            kind: 'recurring',
            owner,
            definition: { name: recurring.name, options: {} },
            options: recurring.options,
            cron: recurring.cron,
            invoke,
          });
        }
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
