import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Logger, type LoggerService } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { JobWithMetadata, PgBoss, SendOptions } from 'pg-boss';
import { ATTR as PG_BOSS_ATTR, MESSAGING_SYSTEM as PG_BOSS_MESSAGING_SYSTEM } from 'pg-boss/dist/telemetry.js';
import { defineJob } from '../../lib/declare/define-job.js';
import { JobsConfigurationError } from '../../lib/errors/jobs-configuration.error.js';
import { JobEventsBus } from '../../lib/runtime/job-events.bus.js';
import { ABANDON_AFTER_ABORT_MS, ABORT_SWEEP_MS, JobRunner } from '../../lib/worker/job.runner.js';
import { batchCall, singleCall, type HandlerCallInterceptor } from '../../lib/worker/handler-call.js';
import { SendCoalescer, type SendContexts } from '../../lib/backend/pg-boss/send.coalescer.js';
import { pgBossConstructorOptions } from '../../lib/backend/pg-boss/pg-boss.factory.js';
import { validateModuleOptions } from '../../lib/module/validate-module-options.util.js';
import { ATTR, MESSAGING_SYSTEM } from '../../lib/telemetry/messaging-attributes.js';
import { installedPgBossVersion, sdkRegistered, supportsTelemetry } from '../../lib/telemetry/load-telemetry.js';
import { readTraceIdsWith } from '../../lib/context/active-trace.js';
import { jobContextStorage } from '../../lib/context/job-context.storage.js';
import { JobLogger } from '../../lib/context/job-logger.js';
import { TracingInterceptor } from '../../lib/telemetry/tracing.interceptor.js';
import type { Job } from '../../lib/interfaces/job.interface.js';
import type { JobsModuleOptions } from '../../lib/interfaces/jobs-module-options.interface.js';
import type { RegisteredHandler } from '../../lib/interfaces/registered-handler.interface.js';
import type { JobsLogger } from '../../lib/module/jobs.logger.js';
import { rawJob } from './support/raw-job.js';

const job = (id: string, attempt = 1) =>
  ({ id, name: 'otel', attempt, data: { card: 'payload-marker' } }) as unknown as Job<unknown>;

describe('openTelemetry option: what pg-boss is built with', () => {
  const url = 'postgres://u:p@localhost/db';

  it("turns pg-boss's own telemetry off when the option is absent or false", () => {
    expect(pgBossConstructorOptions({ connectionString: url }).openTelemetry).toEqual({ enabled: false });
    expect(pgBossConstructorOptions({ connectionString: url, openTelemetry: false }).openTelemetry).toEqual({
      enabled: false,
    });
  });

  it('turns it on with the sender context stored by default, and passes the providers on', () => {
    expect(pgBossConstructorOptions({ connectionString: url, openTelemetry: true }).openTelemetry).toEqual({
      enabled: true,
      propagateContext: true,
    });
    const propagator = new W3CTraceContextPropagator();
    const tracerProvider = new BasicTracerProvider();
    const meterProvider = { getMeter: () => api.metrics.getMeterProvider().getMeter('x') };
    expect(
      pgBossConstructorOptions({
        connection: { connectionString: url },
        openTelemetry: { propagateContext: false, propagator, tracerProvider, meterProvider },
      }).openTelemetry,
    ).toEqual({ enabled: true, propagateContext: false, propagator, tracerProvider, meterProvider });
  });

  it("leaves connection.openTelemetry, pg-boss's own option, as it is given", () => {
    const given = { enabled: true, propagateContext: true };
    expect(pgBossConstructorOptions({ connection: { connectionString: url, openTelemetry: given } }).openTelemetry).toBe(
      given,
    );
  });

  it('knows pg-boss 12.38 is the first release with OpenTelemetry, and reads the installed version', () => {
    expect(['12.37.9', '12.21.0', '11.99.0'].map(supportsTelemetry)).toEqual([false, false, false]);
    expect(['12.38.0', '12.38.1', '12.40.0', '13.0.0'].map(supportsTelemetry)).toEqual([true, true, true, true]);
    const installed = (JSON.parse(readFileSync('node_modules/pg-boss/package.json', 'utf8')) as { version: string }).version;
    expect(installedPgBossVersion()).toBe(installed);
  });
});

describe('openTelemetry option: checked at bootstrap', () => {
  const base: JobsModuleOptions = { connectionString: 'postgres://localhost/db' };
  const problem = (options: object): string => {
    try {
      validateModuleOptions({ ...base, ...options } as JobsModuleOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(JobsConfigurationError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('accepts true, false and an object of known keys', () => {
    for (const openTelemetry of [true, false, {}, { propagateContext: false, tracerProvider: new BasicTracerProvider() }]) {
      expect(() => validateModuleOptions({ ...base, openTelemetry })).not.toThrow();
    }
  });

  it('names the option, what it must be and what it got', () => {
    expect(problem({ openTelemetry: 'yes' })).toBe(
      'Invalid JobsModule options: openTelemetry must be true, false or an object ({ propagateContext, propagator, ' +
        'tracerProvider, meterProvider }), got "yes".',
    );
    expect(problem({ openTelemetry: { propagateContext: 'no' } })).toBe(
      'Invalid JobsModule options: openTelemetry.propagateContext must be true or false, got "no".',
    );
    expect(problem({ openTelemetry: { tracerProvider: {} } })).toBe(
      'Invalid JobsModule options: openTelemetry.tracerProvider must be a TracerProvider (getTracer), got an empty object.',
    );
    expect(problem({ openTelemetry: { propagator: { inject() {} } } })).toContain(
      'openTelemetry.propagator must be a TextMapPropagator (inject, extract)',
    );
    expect(problem({ openTelemetry: { meterProvider: 1 } })).toContain('openTelemetry.meterProvider must be a MeterProvider');
    expect(problem({ openTelemetry: { propagate: true } })).toBe(
      'Invalid JobsModule options: openTelemetry has the unknown key "propagate" (known: propagateContext, propagator, ' +
        'tracerProvider, meterProvider).',
    );
  });

  it("refuses openTelemetry together with connection.openTelemetry, pg-boss's own", () => {
    const message = problem({
      connectionString: undefined,
      connection: { connectionString: 'postgres://localhost/db', openTelemetry: { enabled: true } },
      openTelemetry: true,
    });
    expect(message).toContain('JobsModule got both openTelemetry and connection.openTelemetry: give one.');
  });

  it('refuses, with an application-built boss, the keys that only configure pg-boss, and says where they go', () => {
    const boss = { start() {} };
    const message = problem({ connectionString: undefined, boss, openTelemetry: { propagateContext: true, meterProvider: {
      getMeter() {},
    } } });
    expect(message).toContain('openTelemetry.propagateContext and openTelemetry.meterProvider configure pg-boss');
    expect(message).toContain("set them in that PgBoss's own openTelemetry option");
    expect(() =>
      validateModuleOptions({ boss: boss as never, openTelemetry: { tracerProvider: new BasicTracerProvider() } }),
    ).not.toThrow();
  });
});

describe('@opentelemetry/api stays optional', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
    });
  }

  // pg-boss 12.38 imports the API itself, so the package cannot be removed to load lib/ without it;
  // what the module controls is that none of its own files loads it unless the option is on.
  it('is imported by no file of lib/ but as types, and loaded by one dynamic import', () => {
    const runtimeImports: string[] = [];
    const dynamicImports: string[] = [];
    for (const file of sources('lib')) {
      // Code only: comments may name the import.
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      for (const match of text.matchAll(/(?:import|export)\s+(type\s+)?[^;]*?from\s+'@opentelemetry\/[^']+'/g)) {
        if (!match[1]) runtimeImports.push(`${file}: ${match[0]}`);
      }
      for (const _ of text.matchAll(/import\(\s*'@opentelemetry\/[^']+'\s*\)/g)) dynamicImports.push(file);
      expect(text).not.toMatch(/require\(\s*'@opentelemetry/);
    }
    expect(runtimeImports).toEqual([]);
    expect(dynamicImports).toEqual([join('lib', 'telemetry', 'load-telemetry.ts')]);
  });
});

describe('messaging attributes', () => {
  it("are pg-boss's names and values for the attributes job spans share with its spans", () => {
    for (const [key, name] of Object.entries(ATTR)) expect(PG_BOSS_ATTR[key as keyof typeof PG_BOSS_ATTR]).toBe(name);
    expect(MESSAGING_SYSTEM).toBe(PG_BOSS_MESSAGING_SYSTEM);
  });
});

describe('sdkRegistered', () => {
  it('is false while no SDK is behind the global proxy, true from the moment one is, and then asks no more', () => {
    const proxy = new api.ProxyTracerProvider();
    const ask = jest.spyOn(proxy, 'getDelegateTracer');
    const registered = sdkRegistered(proxy);
    expect(registered()).toBe(false);
    expect(registered()).toBe(false);
    proxy.setDelegate(new BasicTracerProvider());
    expect(registered()).toBe(true);
    expect(registered()).toBe(true);
    expect(ask).toHaveBeenCalledTimes(3);
  });
});

describe('TracingInterceptor', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  const propagator = new W3CTraceContextPropagator();

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(async () => {
    context.disable();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  const spanNamed = (name: string) => {
    const found = exporter.getFinishedSpans().filter((span) => span.name === name);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  /** A finished span standing for the sender's `send` span, and the carrier pg-boss would have stored. */
  function sent(): { carrier: Record<string, string>; spanId: string; traceId: string } {
    const span = tracer.startSpan('send otel');
    span.end();
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, api.defaultTextMapSetter);
    return { carrier, ...span.spanContext() };
  }

  /** Runs `fn` inside a span standing for pg-boss's `process` span, as the worker does. */
  async function inProcessSpan<T>(fn: () => Promise<T>): Promise<{ result: T; process: api.SpanContext }> {
    const span = tracer.startSpan('process otel', { kind: SpanKind.CONSUMER });
    try {
      return { result: await context.with(trace.setSpan(ROOT_CONTEXT, span), fn), process: span.spanContext() };
    } finally {
      span.end();
    }
  }

  it('reads no stored contexts while no SDK records spans, and reads them once one does', async () => {
    let sdk = false;
    const read = jest.fn(async () => new Map());
    const interceptor = new TracingInterceptor({ api, tracer, propagator, storedContexts: read, recording: () => sdk });
    expect(interceptor.prepare('otel', [job('a'), job('b')], 2)).toBeUndefined();
    expect(read).not.toHaveBeenCalled();
    sdk = true;
    await interceptor.prepare('otel', [job('a'), job('b')], 2);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('makes no job span while no SDK records spans (the handler runs as it is), and makes them once one does', async () => {
    let sdk = false;
    const interceptor = new TracingInterceptor({ api, tracer, propagator, recording: () => sdk });
    const declined = new Error('declined');
    await expect(interceptor.intercept(singleCall('otel', 'Payments.charge', job('a')), async () => 'charged')).resolves.toBe(
      'charged',
    );
    await expect(
      interceptor.intercept(singleCall('otel', 'Payments.charge', job('b')), async () => {
        throw declined;
      }),
    ).rejects.toBe(declined);
    expect(exporter.getFinishedSpans()).toEqual([]);
    sdk = true;
    await interceptor.intercept(singleCall('otel', 'Payments.charge', job('c')), async () => undefined);
    expect(spanNamed('Payments.charge').attributes[ATTR.messageId]).toBe('c');
  });

  it("for a batch of one: a child of pg-boss's process span, with the handler's spans inside it", async () => {
    const interceptor = new TracingInterceptor({ api, tracer, propagator });
    const read = jest.fn(async () => new Map());
    const withReader = new TracingInterceptor({ api, tracer, propagator, storedContexts: read });
    expect(withReader.prepare('otel', [job('a')], 1)).toBeUndefined();
    expect(read).not.toHaveBeenCalled();

    const { result, process } = await inProcessSpan(() =>
      interceptor.intercept(singleCall('otel', 'Payments.charge', job('a', 2)), async () => {
        tracer.startSpan('card-gateway').end();
        return 'done';
      }),
    );
    expect(result).toBe('done');
    const jobSpan = spanNamed('Payments.charge');
    expect(jobSpan.kind).toBe(SpanKind.INTERNAL);
    expect(jobSpan.parentSpanContext?.spanId).toBe(process.spanId);
    expect(jobSpan.spanContext().traceId).toBe(process.traceId);
    expect(jobSpan.attributes).toEqual({
      'messaging.system': 'pg-boss',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'otel',
      'messaging.message.id': 'a',
      'pgboss.job.retry_count': 1,
      'code.function.name': 'Payments.charge',
    });
    expect(spanNamed('card-gateway').parentSpanContext?.spanId).toBe(jobSpan.spanContext().spanId);
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toContain('payload-marker');
  });

  it("for a batch of several: in each sender's trace, linked to the batch span; a job without a stored context stays under the batch", async () => {
    const first = sent();
    const second = sent();
    const read = jest.fn(async (_queue: string, ids: readonly string[]) => {
      expect(ids).toEqual(['a', 'b', 'c']);
      return new Map([
        ['a', first.carrier],
        ['b', second.carrier],
      ]);
    });
    const interceptor = new TracingInterceptor({ api, tracer, propagator, storedContexts: read });
    const jobs = [job('a'), job('b'), job('c')];
    await interceptor.prepare('otel', jobs, 3);
    expect(read).toHaveBeenCalledTimes(1);

    const { process } = await inProcessSpan(async () => {
      for (const j of jobs) await interceptor.intercept(singleCall('otel', 'Payments.charge', j), async () => undefined);
    });
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'Payments.charge');
    const byJob = new Map(spans.map((s) => [s.attributes['messaging.message.id'], s]));
    for (const [id, sender] of [['a', first], ['b', second]] as const) {
      const span = byJob.get(id)!;
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.spanContext().traceId).toBe(sender.traceId);
      expect(span.parentSpanContext?.spanId).toBe(sender.spanId);
      expect(span.links.map((l) => l.context.spanId)).toEqual([process.spanId]);
    }
    const alone = byJob.get('c')!;
    expect(alone.kind).toBe(SpanKind.INTERNAL);
    expect(alone.parentSpanContext?.spanId).toBe(process.spanId);
    expect(alone.links).toEqual([]);
  });

  it('records a failure: the exception, error.type and an error status; the caller gets the same error', async () => {
    const interceptor = new TracingInterceptor({ api, tracer, propagator });
    const declined = new TypeError('card declined');
    await expect(
      interceptor.intercept(singleCall('otel', 'Payments.charge', job('a')), async () => {
        throw declined;
      }),
    ).rejects.toBe(declined);
    const span = spanNamed('Payments.charge');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'card declined' });
    expect(span.attributes['error.type']).toBe('TypeError');
    expect(span.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
      ['exception', 'card declined'],
    ]);
  });

  it("for a batch handler: one span for the call, a child of pg-boss's span, linked to each job's sender", async () => {
    const first = sent();
    const second = sent();
    const interceptor = new TracingInterceptor({
      api,
      tracer,
      propagator,
      storedContexts: async () => new Map([['a', first.carrier], ['b', second.carrier]]),
    });
    const jobs = [job('a'), job('b')];
    await interceptor.prepare('otel', jobs, 2);
    const { process } = await inProcessSpan(() =>
      interceptor.intercept(batchCall('otel', 'Rows.import', jobs), async () => undefined),
    );
    const span = spanNamed('Rows.import');
    expect(span.parentSpanContext?.spanId).toBe(process.spanId);
    expect(span.attributes['messaging.batch.message_count']).toBe(2);
    expect(span.attributes['messaging.message.id']).toBeUndefined();
    expect(span.links.map((l) => l.context.spanId)).toEqual([first.spanId, second.spanId]);
  });

  it('logs a failed read of the stored contexts and lets the batch run', async () => {
    const warn = jest.fn();
    const interceptor = new TracingInterceptor({
      api,
      tracer,
      propagator,
      storedContexts: async () => {
        throw new Error('connection terminated');
      },
      logger: { warn } as unknown as JobsLogger,
    });
    await expect(interceptor.prepare('otel', [job('a'), job('b')], 2)).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('(connection terminated)'));
  });
});

describe('JobRunner with tracing: a handler that never settles', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  const Def = defineJob<{ n: number }>('hangs');
  /** Warnings of the OpenTelemetry API, such as an operation on a span that already ended. */
  const diagnostics: string[] = [];

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const record = (message: string) => diagnostics.push(message);
    api.diag.setLogger({ error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} }, api.DiagLogLevel.WARN);
  });
  afterAll(async () => {
    api.diag.disable();
    context.disable();
    await provider.shutdown();
  });
  beforeEach(() => {
    exporter.reset();
    diagnostics.length = 0;
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** A runner with the tracing interceptor around handler calls that settle only when the test says so. */
  function tracedRunner(kind: 'single' | 'batch') {
    const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
    const handler = {
      kind,
      owner: 'Hangs.handle',
      definition: Def,
      queue: 'hangs',
      options: { concurrency: 1 },
      queueOptions: {},
      invoke: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    } as unknown as RegisteredHandler;
    const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() } as unknown as JobsLogger;
    const interceptor = new TracingInterceptor({ api, tracer, propagator: new W3CTraceContextPropagator() });
    return { runner: new JobRunner(handler, new JobEventsBus(), logger, undefined, [interceptor]), pending };
  }


  it.each(['single', 'batch'] as const)(
    'ends the %s handler call span when the runner abandons the call: error status, error.type, the abandonment as the exception',
    async (kind) => {
      const { runner, pending } = tracedRunner(kind);
      const a = rawJob('a', 0);
      const handled = runner.handle([a.raw], { sequential: true });
      await jest.advanceTimersByTimeAsync(0);
      a.expire.abort(new Error('handler execution exceeded 1s'));
      await jest.advanceTimersByTimeAsync(ABANDON_AFTER_ABORT_MS + ABORT_SWEEP_MS);
      const [result] = await handled;
      expect(result).toMatchObject({ id: 'a', status: 'failed' });
      const message = (result!.output as { message: string }).message;
      expect(message).toMatch(/^The handler of hangs a was still running 2000 ms after its job's signal aborted/);

      const spans = exporter.getFinishedSpans();
      expect(spans.map((span) => span.name)).toEqual(['Hangs.handle']);
      const [span] = spans;
      expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message });
      expect(span!.attributes['error.type']).toBe('Error');
      expect(span!.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([['exception', message]]);

      // The handler settles at last: the span it ran in stays as the runner ended it.
      pending[0]!.reject(new Error('late failure'));
      await jest.advanceTimersByTimeAsync(0);
      expect(exporter.getFinishedSpans()).toHaveLength(1);
      expect(span!.events).toHaveLength(1);
      expect(diagnostics).toEqual([]);
    },
  );

  it('ends the span once, as the handler settled it, when the handler settles before the runner gives up', async () => {
    const { runner, pending } = tracedRunner('single');
    const a = rawJob('a', 0);
    const handled = runner.handle([a.raw], { sequential: true });
    await jest.advanceTimersByTimeAsync(0);
    a.expire.abort(new Error('handler execution exceeded 1s'));
    await jest.advanceTimersByTimeAsync(ABANDON_AFTER_ABORT_MS - 1);
    pending[0]!.resolve();
    await jest.advanceTimersByTimeAsync(ABANDON_AFTER_ABORT_MS + ABORT_SWEEP_MS);
    await handled;
    const [span] = exporter.getFinishedSpans();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.events).toEqual([]);
    expect(diagnostics).toEqual([]);
  });
});

describe("JobRunner: the interceptors' prepare step", () => {
  const Def = defineJob<{ n: number }>('calls');
  const raw = (id: string, data: unknown = { n: 1 }) =>
    ({
      id,
      name: 'calls',
      data,
      retryCount: 0,
      retryLimit: 0,
      priority: 0,
      createdOn: new Date(),
      expireInSeconds: 60,
      signal: new AbortController().signal,
    }) as unknown as JobWithMetadata<object>;
  const handler = {
    kind: 'single',
    owner: 'Calls.handle',
    definition: Def,
    queue: 'calls',
    options: {},
    queueOptions: {},
    invoke: async () => undefined,
  } as unknown as RegisteredHandler;

  it('runs once per batch, before any call, with the jobs that passed their checks and the number fetched', async () => {
    const log: string[] = [];
    const interceptor: HandlerCallInterceptor = {
      async intercept(call, next) {
        log.push(`call ${call.jobs[0]!.id}`);
        return next();
      },
      prepare(queue, jobs, fetched) {
        log.push(`prepare ${queue} ${jobs.map((j) => j.id).join(',')} of ${fetched}`);
        return new Promise((resolve) => setImmediate(resolve));
      },
    };
    const runner = new JobRunner(handler, new JobEventsBus(), undefined, undefined, [interceptor]);
    // "b" is not an object: dead-lettered before any call.
    await runner.handle([raw('a'), raw('b', 'not an object'), raw('c')], { sequential: true });
    expect(log).toEqual(['prepare calls a,c of 3', 'call a', 'call c']);
  });
});

describe('SendCoalescer with trace contexts', () => {
  /** A fake pg-boss whose first send waits for `release`, recording the context of every call. */
  function fakeBoss(current: () => string) {
    const calls: string[] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    let sends = 0;
    const boss = {
      async send(_name: string, data: { n: number }, _options: SendOptions) {
        calls.push(`send ${data.n} in ${current()}`);
        if (sends++ === 0) await first;
        return `id-${data.n}`;
      },
      async insert(_name: string, jobs: Array<{ id: string; data: { n: number } }>) {
        calls.push(`insert ${jobs.map((j) => j.data.n).join(',')} in ${current()}`);
        return jobs.map((j) => j.id);
      },
    };
    return { boss: boss as unknown as PgBoss, calls, release };
  }

  it('shares an INSERT only among sends of one context, and runs it in that context', async () => {
    const a = { name: 'request A' };
    const b = { name: 'request B' };
    let current: { name: string } = { name: 'no request' };
    const contexts: SendContexts = {
      active: () => current,
      with: (ctx, fn) => {
        const previous = current;
        current = ctx as { name: string };
        try {
          return fn();
        } finally {
          current = previous;
        }
      },
    };
    const { boss, calls, release } = fakeBoss(() => current.name);
    const coalescer = new SendCoalescer(boss, undefined, contexts);
    const send = (ctx: { name: string }, n: number) => {
      current = ctx;
      return coalescer.send('q', { n }, {});
    };
    const sending = [send(a, 1), send(a, 2), send(a, 3), send(b, 4), send(b, 5), send(b, 6)];
    current = { name: 'no request' };
    release();
    const ids = await Promise.all(sending);
    expect(ids[0]).toBe('id-1');
    expect(ids[3]).toBe('id-4');
    expect(new Set(ids).size).toBe(6);
    // B's first send does not wait behind A's statement: it is the first of its own context.
    expect([...calls].sort()).toEqual([
      'insert 2,3 in request A',
      'insert 5,6 in request B',
      'send 1 in request A',
      'send 4 in request B',
    ]);
    expect(coalescer.activeQueues).toBe(0);
  });

  it('without contexts shares one INSERT among every waiting send of the queue', async () => {
    const { boss, calls, release } = fakeBoss(() => '-');
    const coalescer = new SendCoalescer(boss);
    const sending = [1, 2, 3, 4].map((n) => coalescer.send('q', { n }, {}));
    release();
    await Promise.all(sending);
    expect(calls).toEqual(['send 1 in -', 'insert 2,3,4 in -']);
  });
});

describe('JobLogger with trace ids', () => {
  const lines: string[] = [];
  const capture: LoggerService = {
    log: (message: unknown) => void lines.push(String(message)),
    warn: () => undefined,
    error: () => undefined,
  };
  beforeEach(() => {
    lines.length = 0;
    Logger.overrideLogger(capture);
  });
  afterEach(() => {
    readTraceIdsWith(() => undefined);
    Logger.overrideLogger(true);
  });
  const ids = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
  const inJob = (fn: () => void) => jobContextStorage.run({ job: job('7c1e', 2), jobs: [job('7c1e', 2)] }, fn);

  it('adds trace_id and span_id of the active span, inside a job and outside one', () => {
    readTraceIdsWith(() => ids);
    const logger = new JobLogger('Payments');
    inJob(() => logger.log('charging'));
    logger.log('outside');
    jobContextStorage.run({ jobs: [job('a'), job('b')] }, () => logger.log('rows'));
    expect(lines).toEqual([
      '[otel 7c1e #2 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7] charging',
      '[trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7] outside',
      '[otel batch of 2 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7] rows',
    ]);
  });

  it('writes the lines it always wrote when no span is active', () => {
    const logger = new JobLogger('Payments');
    inJob(() => logger.log('charging'));
    logger.log('outside');
    expect(lines).toEqual(['[otel 7c1e #2] charging', 'outside']);
  });
});
