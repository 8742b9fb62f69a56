import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import {
  INVALID_MODULE_OPTION,
  OPEN_TELEMETRY_TWICE,
  OPEN_TELEMETRY_WITH_BOSS,
  show,
} from '../errors/jobs.messages.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import { isQueueName } from '../declare/validate-options.util.js';
import { MAX_QUEUE_NAME_LENGTH } from '../utils/queue-name.util.js';
import { PG_BOSS_ONLY_TELEMETRY_KEYS } from '../telemetry/telemetry-settings.js';

type Rule = (value: unknown) => string | undefined;

const bool: Rule = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const object: Rule = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be an object');

/** Every `JobsModule.forRoot` option with its rule. Values are never echoed for the connection options. */
const RULES: Record<keyof JobsModuleOptions | 'isGlobal', Rule> = {
  connectionString: (v) =>
    typeof v === 'string' && v.trim().length > 0 ? undefined : 'must be a non-empty PostgreSQL URL string',
  // A leading "." continues the option's name in the message: `connection.schema "x y" may only...`.
  connection: (v) => {
    const problem = object(v) ?? schemaProblem((v as { schema?: unknown }).schema, 'connection.schema');
    return problem === undefined || problem === object(v) ? problem : `.schema ${problem}`;
  },
  boss: (v) =>
    typeof (v as { start?: unknown } | null)?.start === 'function' ? undefined : 'must be a PgBoss instance',
  schema: (v) => schemaProblem(v, 'schema'),
  queueDefaults: object,
  workerDefaults: object,
  handlers: (v) => {
    const problem = object(v);
    if (problem) return problem;
    const bad = Object.keys(v as object).find((queue) => !isQueueName(queue));
    return bad === undefined ? undefined : `has the key ${show(bad)}, which is not a queue name (letters, digits, "_", "-", "." and "/", at most ${MAX_QUEUE_NAME_LENGTH} characters)`;
  },
  queues: (v) => {
    if (!Array.isArray(v)) return 'must be an array of job definitions (defineJob)';
    const i = v.findIndex((d) => !isQueueName((d as { name?: unknown } | null)?.name));
    return i < 0 ? undefined : `[${i}] must be a job definition with a valid queue name (defineJob)`;
  },
  workers: bool,
  scheduler: bool,
  listenNotify: bool,
  preparedStatements: bool,
  analyzeAfterInserts: (v) =>
    v === false || (Number.isSafeInteger(v) && (v as number) >= 1) ? undefined : 'must be an integer number of jobs >= 1, or false',
  shutdownTimeoutMs: (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'must be a number of milliseconds >= 0',
  initTimeoutMs: (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'must be a number of milliseconds >= 0',
  startAttempts: (v) => (Number.isInteger(v) && (v as number) >= 1 ? undefined : 'must be an integer >= 1'),
  maxPayloadBytes: (v) =>
    Number.isSafeInteger(v) && (v as number) >= 1 ? undefined : 'must be an integer number of bytes >= 1',
  logger: (v) => {
    if (v === false) return undefined;
    const logger = v as Record<string, unknown> | null;
    return typeof logger === 'object' && logger !== null && ['log', 'warn', 'error'].every((m) => typeof logger[m] === 'function')
      ? undefined
      : 'must be a LoggerService (log, warn, error) or false';
  },
  openTelemetry: (v) => (typeof v === 'boolean' ? undefined : openTelemetryProblem(v)),
  isGlobal: bool,
};

/** What each key of an `openTelemetry` object must be: the shapes pg-boss asserts, checked first. */
const OPEN_TELEMETRY_RULES: Record<string, Rule> = {
  propagateContext: bool,
  propagator: (v) => (hasMethods(v, 'inject', 'extract') ? undefined : 'must be a TextMapPropagator (inject, extract)'),
  tracerProvider: (v) => (hasMethods(v, 'getTracer') ? undefined : 'must be a TracerProvider (getTracer)'),
  meterProvider: (v) => (hasMethods(v, 'getMeter') ? undefined : 'must be a MeterProvider (getMeter)'),
};

function hasMethods(value: unknown, ...methods: string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  );
}

// A leading "." continues the option's name in the message, as for connection.schema. The message
// quotes the offending key's own value rather than the whole object (see OWN_VALUE_IN_PROBLEM).
function openTelemetryProblem(value: unknown): string | undefined {
  if (object(value)) {
    return `must be true, false or an object ({ ${Object.keys(OPEN_TELEMETRY_RULES).join(', ')} }), got ${show(value)}`;
  }
  for (const [key, v] of Object.entries(value as object)) {
    if (v === undefined) continue;
    const rule = OPEN_TELEMETRY_RULES[key];
    if (!rule) return `has the unknown key ${show(key)} (known: ${Object.keys(OPEN_TELEMETRY_RULES).join(', ')})`;
    const problem = rule(v);
    if (problem) return `.${key} ${problem}, got ${show(v)}`;
  }
  return undefined;
}

// What the connection options' values may contain: never part of a message.
const SECRET = new Set(['connectionString', 'connection', 'boss']);
// Options whose rule quotes the offending value itself (a nested one).
const OWN_VALUE_IN_PROBLEM = new Set(['openTelemetry']);

/**
 * Validates `JobsModule.forRoot` / `forRootAsync` options when they are resolved, before pg-boss is
 * built or anything connects, and returns them. Throws a `JobsConfigurationError` naming the option
 * and the accepted values; unknown keys are refused since they are almost always typos. The
 * connection options' values never appear in a message (they carry passwords).
 */
export function validateModuleOptions<T extends JobsModuleOptions>(options: T): T {
  if (typeof options !== 'object' || options === null) {
    throw new JobsConfigurationError(INVALID_MODULE_OPTION(`the options must be an object, got ${options === null ? 'null' : typeof options}`));
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = RULES[key as keyof typeof RULES];
    if (!rule) {
      throw new JobsConfigurationError(
        INVALID_MODULE_OPTION(`unknown option ${show(key)} (known: ${Object.keys(RULES).join(', ')})`),
      );
    }
    const problem = rule(value);
    if (problem) {
      throw new JobsConfigurationError(
        INVALID_MODULE_OPTION(
          `${key}${problem.startsWith('.') ? '' : ' '}${problem}${
            SECRET.has(key) || OWN_VALUE_IN_PROBLEM.has(key) ? '' : `, got ${show(value)}`
          }`,
        ),
      );
    }
  }
  checkOpenTelemetry(options);
  return options;
}

/** `openTelemetry` against the connection options: what pg-boss gets must come from one place. */
function checkOpenTelemetry(options: JobsModuleOptions): void {
  const given = options.openTelemetry;
  if (given === undefined || given === false) return;
  if (options.connection?.openTelemetry !== undefined) throw new JobsConfigurationError(OPEN_TELEMETRY_TWICE());
  if (options.boss !== undefined && given !== true) {
    const keys = PG_BOSS_ONLY_TELEMETRY_KEYS.filter((key) => given[key] !== undefined);
    if (keys.length > 0) throw new JobsConfigurationError(OPEN_TELEMETRY_WITH_BOSS(keys));
  }
}

/**
 * pg-boss writes the schema name into its SQL as given, so only names that are safe there are
 * accepted: a bare identifier, or a quoted name without the characters pg-boss refuses inside
 * quotes. Stricter than needed nowhere; clearer than pg-boss's assertion, and checked earlier.
 */
function schemaProblem(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  const example = 'for example "jobs" or "app_jobs"';
  if (typeof value !== 'string') return `must be a string (${example})`;
  const quoted = value.length > 1 && value.startsWith('"') && value.endsWith('"');
  const name = quoted ? value.slice(1, -1) : value;
  if (name.length === 0) return `must not be empty (${example})`;
  if (Buffer.byteLength(name, 'utf8') > 50) return 'must be at most 50 bytes (pg-boss derives longer names from it)';
  if (quoted) {
    return /["'%$.\\\x00-\x1f\x7f]/.test(name)
      ? `${show(value)} is quoted but contains a character pg-boss cannot use in a schema name (" ' % $ . \\ or a control character)`
      : undefined;
  }
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
    ? undefined
    : `${show(value)} may only contain letters, digits and "_", and may not start with a digit (${example}); ` +
        `${option} is written into pg-boss's SQL as an identifier`;
}
