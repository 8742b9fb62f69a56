import { createRequire } from 'node:module';
import type { Context, ProxyTracerProvider } from '@opentelemetry/api';
import type { PgBoss } from 'pg-boss';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { OPEN_TELEMETRY_API_MISSING, OPEN_TELEMETRY_PG_BOSS_TOO_OLD } from '../errors/jobs.messages.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { JobsLogger } from '../module/jobs.logger.js';
import type { SendContexts } from '../backend/pg-boss/send.coalescer.js';
import { storedTraceContexts } from '../backend/pg-boss/trace-contexts.reader.js';
import { jobsSchema } from '../backend/pg-boss/pg-boss.factory.js';
import { readTraceIdsWith } from '../context/active-trace.js';
import { INSTRUMENTATION_SCOPE } from './messaging-attributes.js';
import { telemetrySettings } from './telemetry-settings.js';
import { TracingInterceptor, type OpenTelemetryApi } from './tracing.interceptor.js';

/** What the module's `openTelemetry` adds to the runtime once the OpenTelemetry API is loaded. */
export interface JobsTelemetry {
  /** Wraps every handler call in a job span (the orchestrator installs it in every runner). */
  readonly interceptor: TracingInterceptor;
  /** Keeps each send's trace context through the send coalescer. */
  readonly sendContexts: SendContexts;
}

/** The first pg-boss release with the `openTelemetry` constructor option, as [major, minor]. */
const PG_BOSS_TELEMETRY_SINCE = [12, 38] as const;

/**
 * Loads the OpenTelemetry API and builds the module's telemetry, when `openTelemetry` is on;
 * `null` when it is off, without loading anything.
 *
 * `@opentelemetry/api` is an optional peer dependency: nothing else in the module imports it other
 * than as types, so an application without it loads and runs the module as long as the option is
 * off. (pg-boss 12.38 itself imports it, as a required peer that npm and pnpm install with it.)
 * Fails with a `JobsConfigurationError` when the option is on and the API cannot be loaded, or the
 * installed pg-boss predates OpenTelemetry (it would ignore the option: no spans, no stored
 * context).
 */
export async function loadTelemetry(
  options: JobsModuleOptions,
  boss: PgBoss,
  logger: JobsLogger | undefined,
): Promise<JobsTelemetry | null> {
  const settings = telemetrySettings(options);
  if (!settings) return null;
  const version = installedPgBossVersion();
  if (version !== undefined && !supportsTelemetry(version)) {
    throw new JobsConfigurationError(OPEN_TELEMETRY_PG_BOSS_TOO_OLD(version));
  }
  const api = await importApi();
  // The global provider is a proxy: an SDK registered after bootstrap still receives the spans.
  const provider = settings.tracerProvider ?? api.trace.getTracerProvider();
  const tracer = provider.getTracer(INSTRUMENTATION_SCOPE);
  // The global proxy says whether an SDK is behind it yet: without one, the job span is not made and
  // the per-batch read of stored contexts is skipped (bench row nest-pg-jobs-otel, no SDK: burn-down
  // 0.85× the default row with the read, 0.97× without). A provider passed in the options is an SDK's.
  const recording = provider instanceof api.ProxyTracerProvider ? sdkRegistered(provider) : undefined;
  readTraceIdsWith(() => {
    const span = api.trace.getActiveSpan()?.spanContext();
    return span && api.trace.isSpanContextValid(span) ? span : undefined;
  });
  const interceptor = new TracingInterceptor({
    api,
    tracer,
    ...(settings.readsStoredContext ? { storedContexts: storedTraceContexts(boss, jobsSchema(options)) } : {}),
    ...(recording ? { recording } : {}),
    ...(settings.propagator ? { propagator: settings.propagator } : {}),
    ...(logger ? { logger } : {}),
  });
  const sendContexts: SendContexts = {
    active: () => api.context.active(),
    with: (context, fn) => api.context.with(context as Context, fn),
  };
  return { interceptor, sendContexts };
}

/**
 * Whether an SDK is registered behind the global tracer provider (`proxy`), asked on every job while
 * none is: until one is, the proxy's tracers are no-ops. Once one is, `true` without asking again
 * (the proxy's tracers keep the SDK's tracer from then on too), so a traced job pays one check.
 */
export function sdkRegistered(proxy: ProxyTracerProvider): () => boolean {
  let registered = false;
  return () => registered || (registered = proxy.getDelegateTracer(INSTRUMENTATION_SCOPE) !== undefined);
}

/** Whether a pg-boss version (`12.38.0`) has the `openTelemetry` constructor option. */
export function supportsTelemetry(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  const [sinceMajor, sinceMinor] = PG_BOSS_TELEMETRY_SINCE;
  return major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
}

/**
 * The version of the pg-boss this module resolves, or `undefined` when its package.json cannot be
 * read (the version is not checked then).
 */
export function installedPgBossVersion(): string | undefined {
  try {
    const { version } = createRequire(import.meta.url)('pg-boss/package.json') as { version?: unknown };
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

async function importApi(): Promise<OpenTelemetryApi> {
  return loadOpenTelemetryApi(OPEN_TELEMETRY_API_MISSING);
}

/**
 * Imports `@opentelemetry/api`, the one place any file of the module loads it (JobsModule's
 * `openTelemetry`, and `nest-pg-jobs/prometheus` with its own `openTelemetry`). A missing package is a
 * `JobsConfigurationError` with the caller's message, which says what to install.
 *
 * @example
 * const api = await loadOpenTelemetryApi(() => 'Install @opentelemetry/api, or remove the openTelemetry option.');
 */
export async function loadOpenTelemetryApi(missing: () => string): Promise<OpenTelemetryApi> {
  try {
    return await import('@opentelemetry/api');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new JobsConfigurationError(missing(), { cause: error });
    }
    throw error;
  }
}
