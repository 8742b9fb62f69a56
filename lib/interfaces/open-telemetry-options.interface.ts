import type { OpenTelemetryOptions } from 'pg-boss';

/**
 * Options of `JobsModule`'s `openTelemetry` (give `true` for all the defaults). The providers and
 * the propagator are OpenTelemetry API types, as pg-boss's own `openTelemetry` constructor option
 * takes them: the module passes them on to pg-boss and uses the same ones for its job spans.
 *
 * @example
 * JobsModule.forRoot({ connectionString, openTelemetry: true })
 * JobsModule.forRoot({ connectionString, openTelemetry: { propagator: new W3CTraceContextPropagator() } })
 */
export interface JobsOpenTelemetryOptions {
  /**
   * Store the trace context active at `send()` with each job (pg-boss's `trace_context` column), so
   * the job's spans, and the spans its handler creates, join the sender's trace (default `true`,
   * where pg-boss's own default is `false`). It costs one small `jsonb` value per job row (the README
   * gives its size); baggage active at `send()` is stored too when the propagator carries it (the
   * SDK's default does). `false`: nothing is stored, and a job's spans are not in its sender's trace:
   * they are in the trace pg-boss's `process` span starts for the batch the job was fetched in (a
   * trace per job fetched alone, one for all the jobs of a batch of several). Not with `boss`: set
   * your `PgBoss`'s own `openTelemetry.propagateContext` instead (pg-boss's default there is `false`).
   */
  propagateContext?: boolean;
  /**
   * The propagator that writes the stored context at `send()` and reads it back when the job runs
   * (default: the one registered globally, `propagation.setGlobalPropagator`, which the SDK sets to
   * W3C Trace Context and Baggage). Pass a `W3CTraceContextPropagator` to store trace ids without
   * baggage. Not with `boss`: configure your `PgBoss`'s own `openTelemetry` option instead.
   */
  propagator?: NonNullable<OpenTelemetryOptions['propagator']>;
  /**
   * The tracer provider of pg-boss's spans and the module's job spans (default: the global one). With
   * `boss`, of the job spans only: pg-boss's spans are made by your `PgBoss`'s own `openTelemetry`.
   */
  tracerProvider?: NonNullable<OpenTelemetryOptions['tracerProvider']>;
  /**
   * The meter provider of pg-boss's metrics (default: the global one). Not with `boss`: configure
   * your `PgBoss`'s own `openTelemetry` option instead.
   */
  meterProvider?: NonNullable<OpenTelemetryOptions['meterProvider']>;
}
