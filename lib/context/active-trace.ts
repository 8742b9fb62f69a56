/** The ids of the span active where a line is logged, as W3C Trace Context writes them (hex). */
export interface TraceIds {
  readonly traceId: string;
  readonly spanId: string;
}

let reader: (() => TraceIds | undefined) | undefined;

/**
 * @internal Set when `JobsModule`'s `openTelemetry` is on, by the code that loaded the OpenTelemetry
 * API: `JobLogger` reads the active span through it, and never loads the API itself (it is an
 * optional dependency). Left in place at shutdown: it only reads, and a span can be active only where
 * an SDK was registered.
 */
export function readTraceIdsWith(read: () => TraceIds | undefined): void {
  reader = read;
}

/** @internal The ids of the active span, when telemetry is on and a valid span is active. */
export function activeTraceIds(): TraceIds | undefined {
  return reader?.();
}
