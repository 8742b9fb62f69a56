import { describe, expect, it, jest } from '@jest/globals';
import type { JobWithMetadata } from 'pg-boss';
import { defineJob } from '../../lib/declare/define-job.js';
import { JobContext } from '../../lib/context/job-context.js';
import { JobEventsBus } from '../../lib/runtime/job-events.bus.js';
import { JobRunner } from '../../lib/worker/job.runner.js';
import type { Job } from '../../lib/interfaces/job.interface.js';
import type { JobEvent } from '../../lib/interfaces/job-event.interface.js';
import type { RegisteredHandler } from '../../lib/interfaces/registered-handler.interface.js';
import {
  batchCall,
  composeHandlerCall,
  singleCall,
  type HandlerCall,
  type HandlerCallInterceptor,
} from '../../lib/worker/handler-call.js';

const Def = defineJob<{ n: number }>('calls');

function rawJob(id: string, retryCount = 0): JobWithMetadata<object> {
  return {
    id,
    name: 'calls',
    data: { n: 1 },
    retryCount,
    retryLimit: 0,
    priority: 0,
    createdOn: new Date(),
    expireInSeconds: 60,
    signal: new AbortController().signal,
  } as unknown as JobWithMetadata<object>;
}

function handlerOf(kind: 'single' | 'batch', invoke: (arg: unknown) => Promise<unknown>): RegisteredHandler {
  return {
    kind,
    owner: 'Calls.handle',
    definition: Def,
    queue: 'calls',
    options: kind === 'batch' ? { batchSize: 10 } : {},
    queueOptions: {},
    invoke,
  } as unknown as RegisteredHandler;
}

const job = (id: string, attempt = 1) => ({ id, name: 'calls', attempt, data: { n: 1 } }) as unknown as Job<unknown>;

/** An interceptor that records into `log` what it saw before and after `next`. */
function recording(name: string, log: string[]): HandlerCallInterceptor {
  return {
    async intercept(call, next) {
      log.push(`${name}:before ${call.kind} ${call.jobs.map((j) => j.id).join(',')}`);
      const value = await next();
      log.push(`${name}:after ${JSON.stringify(value)}`);
      return value;
    },
  };
}

describe('composeHandlerCall', () => {
  it('runs the interceptors outer first around the handler and returns the inner result through them', async () => {
    const log: string[] = [];
    const invoke = jest.fn(async (arg: unknown) => {
      log.push(`handler ${(arg as Job<unknown>).id}`);
      return { ok: 1 };
    });
    const chain = composeHandlerCall([recording('outer', log), recording('inner', log)], invoke);

    await expect(chain(singleCall('calls', 'Calls.handle', job('a')))).resolves.toEqual({ ok: 1 });
    expect(log).toEqual([
      'outer:before single a',
      'inner:before single a',
      'handler a',
      'inner:after {"ok":1}',
      'outer:after {"ok":1}',
    ]);
  });

  it('lets an interceptor change what the caller gets', async () => {
    const chain = composeHandlerCall(
      [{ intercept: async (_call, next) => ({ wrapped: await next() }) }],
      async () => 'raw',
    );
    await expect(chain(singleCall('calls', 'Calls.handle', job('a')))).resolves.toEqual({ wrapped: 'raw' });
  });

  it('with no interceptors calls the handler exactly once, with the job (single) or the array (batch)', async () => {
    const invoke = jest.fn(async (arg: unknown) => arg);
    const chain = composeHandlerCall([], invoke);
    const a = job('a');
    await chain(singleCall('calls', 'Calls.handle', a));
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(invoke).toHaveBeenCalledWith(a);

    const jobs = [job('b'), job('c')];
    await chain(batchCall('calls', 'Calls.handle', jobs));
    expect(invoke).toHaveBeenCalledTimes(2);
    expect(invoke.mock.calls[1]![0]).toBe(jobs);
  });

  it('runs every interceptor inside the job context: before next, inside it, and in the handler', async () => {
    const seen: Record<string, unknown> = {};
    const interceptor: HandlerCallInterceptor = {
      async intercept(_call, next) {
        seen.before = JobContext.current()?.id;
        return next();
      },
    };
    const inner: HandlerCallInterceptor = {
      intercept(_call, next) {
        seen.inNext = new JobContext().jobId;
        return next();
      },
    };
    const chain = composeHandlerCall([interceptor, inner], async () => {
      seen.handler = JobContext.current()?.id;
    });
    await chain(singleCall('calls', 'Calls.handle', job('a')));
    expect(seen).toEqual({ before: 'a', inNext: 'a', handler: 'a' });
    expect(JobContext.current()).toBeUndefined();
  });

  it('describes the call: queue, owner, kind, job(s) and attempt (a batch: its highest)', () => {
    const a = job('a', 2);
    expect(singleCall('q', 'C.m', a)).toEqual({ kind: 'single', queue: 'q', owner: 'C.m', job: a, jobs: [a], attempt: 2 });
    const jobs = [job('b', 1), job('c', 3), job('d', 2)];
    expect(batchCall('q', 'C.m', jobs)).toMatchObject({ kind: 'batch', job: undefined, jobs, attempt: 3 });
  });
});

describe('JobRunner: every handler call goes through the chain', () => {
  it('single: the interceptor sees the call and the context; its error fails the job with that error', async () => {
    const boom = new Error('interceptor says no');
    const calls: HandlerCall[] = [];
    const invoke = jest.fn(async () => 'never');
    const events = new JobEventsBus();
    const seen: JobEvent[] = [];
    const subscription = events.events$.subscribe((event) => seen.push(event));
    const runner = new JobRunner(handlerOf('single', invoke), events, undefined, undefined, [
      {
        intercept(call) {
          calls.push(call);
          expect(JobContext.current()).toBe(call.job);
          return Promise.reject(boom);
        },
      },
    ]);

    const [result] = await runner.handle([rawJob('a', 1)]);
    subscription.unsubscribe();
    expect(invoke).not.toHaveBeenCalled();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ kind: 'single', queue: 'calls', owner: 'Calls.handle', attempt: 2 });
    expect(calls[0]!.job!.id).toBe('a');
    expect(result).toMatchObject({ id: 'a', status: 'failed', output: { message: 'interceptor says no' } });
    expect(seen.find((event) => event.type === 'failed')).toMatchObject({ jobId: 'a', error: boom });
  });

  it('single, thrown synchronously by an interceptor: the job fails with that error', async () => {
    const runner = new JobRunner(handlerOf('single', async () => 'ok'), new JobEventsBus(), undefined, undefined, [
      {
        intercept() {
          throw new Error('sync throw');
        },
      },
    ]);
    const [result] = await runner.handle([rawJob('a')]);
    expect(result).toMatchObject({ id: 'a', status: 'failed', output: { message: 'sync throw' } });
  });

  it('single, no interceptors: the handler is called exactly once with the job, inside its context', async () => {
    const received: unknown[] = [];
    const invoke = jest.fn(async (arg: unknown) => {
      received.push(arg, JobContext.current());
      return { done: true };
    });
    const runner = new JobRunner(handlerOf('single', invoke), new JobEventsBus(), undefined);
    const [result] = await runner.handle([rawJob('a')]);
    expect(invoke).toHaveBeenCalledTimes(1);
    expect((received[0] as Job<unknown>).id).toBe('a');
    expect(received[1]).toBe(received[0]);
    expect(result).toEqual({ id: 'a', status: 'completed', output: { done: true } });
  });

  it('batch: the interceptor wraps one call with every job; the handler gets the array; errors fail them all', async () => {
    const log: string[] = [];
    const invoke = jest.fn(async (arg: unknown) => {
      const jobs = arg as Job<unknown>[];
      expect(new JobContext().jobs).toBe(jobs);
      return jobs.map((j) => ({ id: j.id, status: 'completed' as const, output: { n: j.id } }));
    });
    const runner = new JobRunner(handlerOf('batch', invoke), new JobEventsBus(), undefined, undefined, [
      recording('outer', log),
    ]);
    const results = await runner.handle([rawJob('a'), rawJob('b')]);
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(log[0]).toBe('outer:before batch a,b');
    expect(results).toEqual([
      { id: 'a', status: 'completed', output: { n: 'a' } },
      { id: 'b', status: 'completed', output: { n: 'b' } },
    ]);

    const failing = new JobRunner(handlerOf('batch', invoke), new JobEventsBus(), undefined, undefined, [
      { intercept: () => Promise.reject(new Error('batch refused')) },
    ]);
    const failed = await failing.handle([rawJob('c'), rawJob('d')]);
    expect(failed.map((r) => [r.id, r.status, (r.output as { message: string }).message])).toEqual([
      ['c', 'failed', 'batch refused'],
      ['d', 'failed', 'batch refused'],
    ]);
  });
});
