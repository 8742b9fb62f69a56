// Types only: the OpenTelemetry API is an optional dependency, loaded by load-telemetry.ts (and
// handed in here) only when the module's `openTelemetry` is on.
import type * as OpenTelemetry from '@opentelemetry/api';
import type { Attributes, Context, Link, Span, TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { Job } from '../interfaces/job.interface.js';
import type { HandlerCall, HandlerCallInterceptor } from '../worker/handler-call.js';
import type { StoredTraceContexts } from '../backend/pg-boss/trace-contexts.reader.js';
import type { JobsLogger } from '../module/jobs.logger.js';
import { TRACE_CONTEXTS_UNREADABLE } from '../errors/jobs.messages.js';
import { ATTR, CODE_FUNCTION_NAME, MESSAGING_SYSTEM } from './messaging-attributes.js';

/** The OpenTelemetry API module, as `import('@opentelemetry/api')` resolves it. */
export type OpenTelemetryApi = typeof OpenTelemetry;

/** What {@link TracingInterceptor} works with. */
export interface TracingInterceptorOptions {
  /** The loaded `@opentelemetry/api`: context, propagation and span kinds come from it. */
  readonly api: OpenTelemetryApi;
  /** Makes the job spans (the module's instrumentation scope, from the configured or global provider). */
  readonly tracer: Tracer;
  /** Reads the jobs' stored trace contexts; absent when no job can carry one (`propagateContext: false`). */
  readonly storedContexts?: StoredTraceContexts;
  /**
   * Whether an SDK records spans now (default: always). With the global provider and no SDK behind it,
   * spans are no-ops: no job span is made (it would be a non-recording span carrying its parent's ids,
   * which the handler sees without it), and reading the stored contexts of a batch would be a round
   * trip for nothing.
   */
  readonly recording?: () => boolean;
  /** The propagator that wrote the stored contexts (default: the global one, looked up at each use). */
  readonly propagator?: TextMapPropagator;
  /** Where a failed read of stored contexts is reported. */
  readonly logger?: JobsLogger;
}

/**
 * Wraps every handler call in a span: one per job for a single-job handler, one per call for a batch
 * handler, named after the handler (`EmailJobs.sendWelcome`), with pg-boss's messaging attributes
 * (system, operation `process`, queue, job id, retry count) and never the payload. The handler runs
 * inside it, so the spans it creates (HTTP calls, queries) are its children, and `JobLogger` lines
 * carry its ids. A handler that throws ends it with an error status and the exception recorded. A call
 * the runner abandons (its jobs' signals aborted and it did not settle in time, see `JobRunner`) ends
 * it then, the same way, with the runner's error as the exception: a handler that never settles
 * leaves no span open, and what it does after that is not recorded on the span.
 *
 * Where it sits in the job's trace. pg-boss runs every fetched batch in a `process` span (CONSUMER):
 * - **A batch of one job** (a handler fetching one at a time, or an idle queue): pg-boss's span is
 *   the child of the job's `send` span when the job carries a stored context, so the job span is
 *   simply the child of pg-boss's span, in the sender's trace: send → process → job → handler's spans.
 *   It is INTERNAL, since pg-boss's span is the consumer.
 * - **A batch of several** (adaptive batching on a busy queue, batch handlers): pg-boss's span starts
 *   a trace of its own and only links to each job's `send`. The job span then takes the job's stored
 *   context as its parent, so it lands in its sender's trace (send → job → handler's spans), is a
 *   CONSUMER span (its parent is the producer), and links to pg-boss's batch span, which measures the
 *   fetch and the completion the job shares with the rest of its batch. A child of the batch span
 *   instead would put every job of a busy queue in the batch's trace, out of reach from the request
 *   that sent it, which is the question a trace is opened to answer. The stored contexts of such a
 *   batch are read once for the batch ({@link prepare}); a job that has none (sent with propagation
 *   off, or by another service) stays a child of the batch span.
 *
 * A batch handler's call span is the child of pg-boss's span (they cover the same jobs) and links to
 * the `send` of each of its jobs.
 */
export class TracingInterceptor implements HandlerCallInterceptor {
  /** Each job's stored producer context, for jobs of a multi-job batch, filled by {@link prepare}. */
  private readonly producers = new WeakMap<Job<unknown>, Context>();
  /** The span of each call in flight, until it ends: when the handler settles, or {@link abandon}. */
  private readonly open = new Map<HandlerCall, Span>();

  constructor(private readonly options: TracingInterceptorOptions) {}

  /**
   * Reads the stored trace contexts of a batch of several jobs, in one statement. A batch of one
   * runs in pg-boss's span, which already continues the job's trace: nothing to read. A failed read
   * is logged and the jobs run, as children of the batch span.
   */
  prepare(queue: string, jobs: readonly Job<unknown>[], fetched: number): Promise<void> | undefined {
    const read = this.options.storedContexts;
    if (read === undefined || fetched <= 1 || this.options.recording?.() === false) return undefined;
    const { api } = this.options;
    return read(
      queue,
      jobs.map((job) => job.id),
    ).then(
      (carriers) => {
        for (const job of jobs) {
          const carrier = carriers.get(job.id);
          if (carrier === undefined) continue;
          const context = this.extract(carrier);
          const span = api.trace.getSpanContext(context);
          if (span && api.trace.isSpanContextValid(span)) this.producers.set(job, context);
        }
      },
      (error: unknown) => this.options.logger?.warn(TRACE_CONTEXTS_UNREADABLE(queue, String((error as Error)?.message ?? error))),
    );
  }

  /**
   * Runs the rest of the chain (down to the handler) inside the call's span, and ends the span; with
   * no SDK recording, runs it as it is.
   */
  intercept(call: HandlerCall, next: () => Promise<unknown>): Promise<unknown> {
    if (this.options.recording?.() === false) return next();
    return this.traced(call, next);
  }

  private async traced(call: HandlerCall, next: () => Promise<unknown>): Promise<unknown> {
    const { api, tracer } = this.options;
    // Inside pg-boss's worker this is its `process` span's context.
    const active = api.context.active();
    const attributes: Attributes = {
      [ATTR.messagingSystem]: MESSAGING_SYSTEM,
      [ATTR.operationName]: 'process',
      [ATTR.operationType]: 'process',
      [ATTR.destinationName]: call.queue,
      [CODE_FUNCTION_NAME]: call.owner,
    };
    let parent = active;
    let kind = api.SpanKind.INTERNAL;
    const links: Link[] = [];
    if (call.kind === 'single') {
      attributes[ATTR.messageId] = call.job.id;
      attributes[ATTR.retryCount] = call.job.attempt - 1;
      const producer = this.producers.get(call.job);
      if (producer !== undefined) {
        parent = producer;
        kind = api.SpanKind.CONSUMER;
        const batch = api.trace.getSpanContext(active);
        if (batch && api.trace.isSpanContextValid(batch)) links.push({ context: batch });
      }
    } else {
      attributes[ATTR.batchMessageCount] = call.jobs.length;
      for (const job of call.jobs) {
        const producer = this.producers.get(job);
        const context = producer && api.trace.getSpanContext(producer);
        if (context) links.push({ context });
      }
    }
    const span = tracer.startSpan(call.owner, { kind, attributes, links }, parent);
    this.open.set(call, span);
    try {
      return await api.context.with(api.trace.setSpan(parent, span), next);
    } catch (error) {
      // An abandoned call's span already ended with the runner's error.
      if (this.open.has(call)) this.recordError(span, error);
      throw error;
    } finally {
      if (this.open.delete(call)) span.end();
    }
  }

  /**
   * Ends the span of a call the runner gave up on, as a failure with `reason` (the error its jobs fail
   * with), instead of leaving it open until the handler settles, which it may never do.
   */
  abandon(call: HandlerCall, reason: Error): void {
    const span = this.open.get(call);
    if (span === undefined) return;
    this.open.delete(call);
    this.recordError(span, reason);
    span.end();
  }

  private extract(carrier: Record<string, string>): Context {
    const { api, propagator } = this.options;
    return propagator
      ? propagator.extract(api.ROOT_CONTEXT, carrier, api.defaultTextMapGetter)
      : api.propagation.extract(api.ROOT_CONTEXT, carrier);
  }

  /** As pg-boss records a failed operation: `error.type`, the exception event, an error status. */
  private recordError(span: Span, error: unknown): void {
    const { api } = this.options;
    span.setAttribute(ATTR.errorType, error instanceof Error ? error.constructor.name : '_OTHER');
    if (error instanceof Error) {
      span.recordException(error);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: error.message });
    } else {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: String(error) });
    }
  }
}
