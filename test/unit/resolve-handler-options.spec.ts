import { describe, expect, it } from '@jest/globals';
import { defineJob, JobsConfigurationError } from '../../lib/index.js';
import { resolveHandlerOptions, workPlan } from '../../lib/declare/resolve-handler-options.util.js';
import { resolveHandlers } from '../../lib/discover/resolve-handlers.util.js';
import { loopWorkOptions } from '../../lib/worker/worker.slot.js';
import type { DiscoveredHandler } from '../../lib/interfaces/registered-handler.interface.js';

const Email = defineJob('email', { retryLimit: 5, deadLetter: 'email.dead', expireInSeconds: 60 });
const discovered = (over: Partial<DiscoveredHandler> = {}): DiscoveredHandler => ({
  kind: 'single',
  owner: 'EmailJobs.send',
  definition: Email,
  options: {},
  invoke: async () => undefined,
  ...over,
});

describe('resolveHandlerOptions', () => {
  it('layers queue options: module defaults < definition < decorator < module handlers[queue]', () => {
    const handler = resolveHandlerOptions(
      discovered(),
      { expireInSeconds: 30, concurrency: 2 },
      {
        queueDefaults: { retryLimit: 1, retryDelay: 3, deleteAfterSeconds: 10 },
        handlers: { email: { retryDelay: 9 } },
      },
    );
    expect(handler.queueOptions).toEqual({
      retryLimit: 5, // definition beats queueDefaults
      retryDelay: 9, // handlers[queue] beats queueDefaults
      deleteAfterSeconds: 10, // queueDefaults where nobody else speaks
      deadLetter: 'email.dead',
      expireInSeconds: 30, // decorator beats definition
    });
    expect(handler.options).toEqual({ concurrency: 2 });
  });

  it('layers worker options: workerDefaults < decorator < module handlers[queue]', () => {
    const handler = resolveHandlerOptions(
      discovered(),
      { concurrency: 2, minPriority: 1 },
      { workerDefaults: { concurrency: 8, pollingIntervalSeconds: 2 }, handlers: { email: { concurrency: 4 } } },
    );
    expect(handler.options).toEqual({ concurrency: 4, pollingIntervalSeconds: 2, minPriority: 1 });
  });

  it('makes a handler a batch handler when its resolved options set batchSize', () => {
    const handler = resolveHandlerOptions(discovered(), { batchSize: 20 }, {});
    expect(handler.kind).toBe('batch');
    expect(workPlan(handler)).toMatchObject({ batchSize: 20, slots: 1, adaptive: false });
  });

  it('lets a batch handler fetch again at once after a full batch (pg-boss burstWhenBatchFull)', () => {
    const handler = resolveHandlerOptions(discovered(), { batchSize: 20 }, {});
    const plan = workPlan(handler);
    expect(loopWorkOptions(plan.loop, plan.batchSize, 1).burstWhenBatchFull).toBe(true);
  });

  it('plans a single-job handler as concurrency slots of adapting loops starting at batch size 1', () => {
    const handler = resolveHandlerOptions(discovered(), { concurrency: 6, maxPriority: 9 }, {});
    expect(workPlan(handler)).toEqual({
      loop: {
        pollingIntervalSeconds: 1,
        notifyPollingIntervalSeconds: 1,
        includeMetadata: true,
        perJobResults: true,
        maxPriority: 9,
      },
      slots: 6,
      batchSize: 1,
      adaptive: true,
      pooled: false,
    });
  });

  it('plans a handler with adaptiveBatching: false, group limits or a one-at-a-time policy as non-adapting', () => {
    expect(workPlan(resolveHandlerOptions(discovered(), { adaptiveBatching: false }, {})).adaptive).toBe(false);
    expect(workPlan(resolveHandlerOptions(discovered(), { groupConcurrency: 2 }, {})).adaptive).toBe(false);
    const pooled = workPlan(resolveHandlerOptions(discovered(), { concurrency: 4, localGroupConcurrency: 2 }, {}));
    expect(pooled).toMatchObject({ adaptive: false, pooled: true, slots: 4 });
  });

  it('carries each schedule of a @Recurring: cron, key, time zone and data', () => {
    const handler = resolveHandlerOptions(
      discovered({
        kind: 'recurring',
        definition: { name: 'nightly', options: {} },
        schedules: [
          { cron: '0 3 * * *', tz: 'Europe/Berlin', data: { full: true } },
          { cron: '0 12 * * *', key: 'noon' },
        ],
      }),
      { retryLimit: 0 },
      {},
    );
    expect(handler.schedules).toEqual([
      { cron: '0 3 * * *', tz: 'Europe/Berlin', data: { full: true } },
      { cron: '0 12 * * *', key: 'noon' },
    ]);
    expect(handler.queueOptions).toEqual({ retryLimit: 0 });
  });

  it("applies the module's handlers[queue] tz and data to every schedule of the queue", () => {
    const handler = resolveHandlerOptions(
      discovered({
        kind: 'recurring',
        definition: { name: 'nightly', options: {} },
        schedules: [{ cron: '0 3 * * *', tz: 'Europe/Berlin' }, { cron: '0 12 * * *', key: 'noon', data: { a: 1 } }],
      }),
      {},
      { handlers: { nightly: { tz: 'Asia/Tokyo', data: { b: 2 } } as never } },
    );
    expect(handler.schedules).toEqual([
      { cron: '0 3 * * *', tz: 'Asia/Tokyo', data: { b: 2 } },
      { cron: '0 12 * * *', key: 'noon', tz: 'Asia/Tokyo', data: { b: 2 } },
    ]);
  });

  it('refuses a schedule whose tz or data is not what @Recurring takes', () => {
    const recurring = (schedule: object) =>
      discovered({ kind: 'recurring', definition: { name: 'nightly', options: {} }, schedules: [{ cron: '0 3 * * *', ...schedule }] });
    expect(() => resolveHandlerOptions(recurring({ tz: '' }), {}, {})).toThrow('tz must be an IANA time zone name, got ""');
    expect(() => resolveHandlerOptions(recurring({ data: [1] }), {}, {})).toThrow('data must be an object, got an array of 1 item');
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency must be an integer >= 1, got 0'],
    [{ concurrency: 1.5 }, 'concurrency must be an integer >= 1, got 1.5'],
    [{ pollingIntervalSeconds: 0.1 }, 'pollingIntervalSeconds must be a number >= 0.5, got 0.1'],
    [{ retryLimit: -1 }, 'retryLimit must be an integer >= 0, got -1'],
    [{ heartbeatSeconds: 5 }, 'heartbeatSeconds must be an integer >= 10, got 5'],
    [{ minPriority: 5, maxPriority: 1 }, 'maxPriority must be >= minPriority (5), got 1'],
    [{ retryDelayMax: 10 }, 'retryDelayMax only applies with retryBackoff: true, got 10'],
    [{ policy: 'fifo' }, 'policy must be one of standard, short, singleton, stately, exclusive, key_strict_fifo, got "fifo"'],
    [{ deadLetter: 'x y' }, 'deadLetter must be a queue name'],
    [{ tz: 'Europe/Berlin' }, 'unknown option "tz"'],
    [{ groupConcurrency: 2, localGroupConcurrency: 1 }, 'groupConcurrency cannot be combined with localGroupConcurrency'],
    [{ adaptiveBatching: 'no' }, 'adaptiveBatching must be true or false, got "no"'],
    [{ localGroupConcurrency: 3, concurrency: 2 }, 'localGroupConcurrency 3 exceeds concurrency (2)'],
    [{ batchSize: 5, adaptiveBatching: true }, 'adaptiveBatching: true cannot apply to a batch handler (batchSize)'],
    [{ policy: 'exclusive', adaptiveBatching: true }, 'adaptiveBatching: true cannot apply to the "exclusive" policy'],
  ])('refuses %j, naming the handler', (options, message) => {
    expect(() => resolveHandlerOptions(discovered(), options as never, {})).toThrow(JobsConfigurationError);
    expect(() => resolveHandlerOptions(discovered(), options as never, {})).toThrow(
      `Invalid options for EmailJobs.send (queue "email"): ${message}`,
    );
  });

  it('checks localGroupConcurrency against the concurrency the layers add up to', () => {
    const handler = resolveHandlerOptions(discovered(), { localGroupConcurrency: 3 }, { handlers: { email: { concurrency: 4 } } });
    expect(handler.options).toEqual({ localGroupConcurrency: 3, concurrency: 4 });
    expect(() => resolveHandlerOptions(discovered(), { localGroupConcurrency: 3 }, { workerDefaults: { concurrency: 2 } })).toThrow(
      'localGroupConcurrency 3 exceeds concurrency (2)',
    );
  });

  it('takes adaptiveBatching: true in workerDefaults as a default, not a demand, for handlers that cannot adapt', () => {
    const handler = resolveHandlerOptions(discovered(), { batchSize: 10 }, { workerDefaults: { adaptiveBatching: true } });
    expect(handler.kind).toBe('batch');
  });

  it('refuses a dead-letter queue equal to the queue itself', () => {
    expect(() => resolveHandlerOptions(discovered(), { deadLetter: 'email' }, {})).toThrow(
      'deadLetter cannot be the queue itself; use e.g. "email.dead"',
    );
  });

  it('names the module handlers map when the override is the culprit', () => {
    expect(() => resolveHandlerOptions(discovered(), {}, { handlers: { email: { concurrency: -2 } } })).toThrow(
      'Invalid options for EmailJobs.send (queue "email"), JobsModule handlers["email"]: concurrency must be an integer >= 1, got -2.',
    );
  });

  it('refuses a factory that returned something other than an object', () => {
    expect(() => resolveHandlerOptions(discovered(), undefined as never, {})).toThrow(
      'the options factory must return an options object',
    );
  });
});

describe('module defaults', () => {
  const resolve = (moduleOptions: Record<string, unknown>) =>
    resolveHandlers([discovered()], moduleOptions as never, () => undefined as never, () => []);

  it.each([
    [{ queueDefaults: { concurrency: 4 } }, /JobsModule queueDefaults.*concurrency is a worker option: put it in workerDefaults/],
    [{ queueDefaults: { rateLimit: { max: 1, perSeconds: 1 } } }, /JobsModule queueDefaults.*rateLimit is a worker option: put it in workerDefaults/],
    [{ workerDefaults: { retryLimit: 4 } }, /JobsModule workerDefaults.*retryLimit is a queue option: put it in queueDefaults/],
    [{ queueDefaults: { retrylimit: 4 } }, /JobsModule queueDefaults.*unknown option "retrylimit"/],
  ])('refuses an option in the defaults that would apply to nothing: %j', async (moduleOptions, message) => {
    await expect(resolve(moduleOptions)).rejects.toThrow(JobsConfigurationError);
    await expect(resolve(moduleOptions)).rejects.toThrow(message);
  });

  it('takes each kind of option in its own defaults', async () => {
    const [handler] = await resolve({ queueDefaults: { retryLimit: 1 }, workerDefaults: { concurrency: 3, rateLimit: { max: 5, perSeconds: 1 } } });
    expect(handler!.queueOptions.retryLimit).toBe(5); // the definition's beats queueDefaults
    expect(handler!.options).toMatchObject({ concurrency: 3, rateLimit: { max: 5, perSeconds: 1 } });
  });
});
