import type { OpenTelemetryOptions } from 'pg-boss';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { JobsOpenTelemetryOptions } from '../interfaces/open-telemetry-options.interface.js';

/** The module option `openTelemetry` with its defaults filled in. */
export interface TelemetrySettings extends JobsOpenTelemetryOptions {
  /**
   * Whether jobs may carry a stored trace context to read back when they run: the module's pg-boss
   * stores it (`propagateContext`), or the application's own `boss` may (its configuration is not
   * the module's to read).
   */
  readonly readsStoredContext: boolean;
}

/**
 * Keys of `openTelemetry` that configure pg-boss only, so cannot apply to a `boss` the application
 * built (`tracerProvider` also makes the module's job spans, so it can).
 */
export const PG_BOSS_ONLY_TELEMETRY_KEYS = ['propagateContext', 'propagator', 'meterProvider'] as const;

/**
 * `openTelemetry` resolved: `undefined` when it is off (absent or `false`).
 *
 * `propagateContext` defaults to `true`, where pg-boss's own default is `false`. pg-boss keeps it off
 * so that an application already running an SDK does not start writing to every job when it
 * upgrades pg-boss; here the application asked for tracing by setting the option, and a job span
 * outside its sender's trace is what it would least expect. The cost is one small `jsonb` value per
 * job row (measured in the README).
 */
export function telemetrySettings(options: JobsModuleOptions): TelemetrySettings | undefined {
  const given = options.openTelemetry;
  if (given === undefined || given === false) return undefined;
  const { propagateContext = true, propagator, tracerProvider, meterProvider } = given === true ? {} : given;
  return {
    propagateContext,
    readsStoredContext: options.boss !== undefined || propagateContext,
    ...(propagator ? { propagator } : {}),
    ...(tracerProvider ? { tracerProvider } : {}),
    ...(meterProvider ? { meterProvider } : {}),
  };
}

/**
 * pg-boss's `openTelemetry` constructor option for a pg-boss the module builds. pg-boss turns its
 * telemetry on by default; the module turns it off unless `openTelemetry` is on, so one option
 * decides whether the application's SDK receives jobs' spans and metrics, and a fetch does not read
 * a `trace_context` nobody uses. `connection.openTelemetry`, when given, is pg-boss's as it is
 * (`undefined` here: nothing to add).
 */
export function pgBossOpenTelemetry(options: JobsModuleOptions): OpenTelemetryOptions | undefined {
  if (options.connection?.openTelemetry !== undefined) return undefined;
  const settings = telemetrySettings(options);
  if (!settings) return { enabled: false };
  const { propagateContext, propagator, tracerProvider, meterProvider } = settings;
  return {
    enabled: true,
    propagateContext,
    ...(propagator ? { propagator } : {}),
    ...(tracerProvider ? { tracerProvider } : {}),
    ...(meterProvider ? { meterProvider } : {}),
  };
}
