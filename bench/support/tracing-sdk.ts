import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  ExportResultCode,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * An exporter that drops every span it is handed (and counts them). The bench prices what tracing
 * costs the application's threads (spans made, sampled, ended and queued, trace contexts injected,
 * stored and read back), not a collector's network or the encoding of one exporter.
 */
export class DroppingSpanExporter implements SpanExporter {
  exported = 0;

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

let registered: { provider: BasicTracerProvider; exporter: DroppingSpanExporter } | undefined;

/**
 * Registers a tracing SDK as an application's `NodeTracerProvider.register()` would (sdk-trace-node
 * is not a dependency of this repository; its `register()` installs these three): a
 * `BasicTracerProvider` (default sampler: every span recorded) as the global tracer provider, an
 * `AsyncLocalStorageContextManager` and the W3C trace-context + baggage propagators. Spans go
 * through a `BatchSpanProcessor` with its defaults, the processor production setups use, into a
 * {@link DroppingSpanExporter}: a no-op export keeps nothing in memory (an `InMemorySpanExporter`
 * would hold every span of a 100,000-job run, or need a timer resetting it, and bill the heap growth
 * and the garbage collection to the row), and since it returns at once the processor's queue never
 * fills, so no span is dropped before it was paid for. Once per process (a bench child runs one
 * system).
 */
export function registerTracingSdk(): { provider: BasicTracerProvider; exporter: DroppingSpanExporter } {
  if (registered) return registered;
  const exporter = new DroppingSpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  if (!trace.setGlobalTracerProvider(provider)) throw new Error('bench: a global tracer provider was already registered');
  registered = { provider, exporter };
  return registered;
}
