/**
 * The span attributes the module's job spans share with pg-boss's spans: the OpenTelemetry
 * messaging semantic conventions (https://opentelemetry.io/docs/specs/semconv/messaging/) with the
 * names and values pg-boss writes, so one query (`messaging.destination.name = "welcome-email"`)
 * finds both.
 *
 * A copy of the entries of pg-boss's `ATTR` the job spans use, not an import: pg-boss exports them
 * only from a file of its build (`pg-boss/dist/telemetry.js`), not from its package entry, and a
 * deep import would fail the day pg-boss adds an `exports` map. test/unit/telemetry.spec.ts fails
 * when the two drift.
 */
export const ATTR = {
  messagingSystem: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destinationName: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  batchMessageCount: 'messaging.batch.message_count',
  errorType: 'error.type',
  retryCount: 'pgboss.job.retry_count',
} as const;

/** pg-boss's value of `messaging.system` (its `MESSAGING_SYSTEM`). */
export const MESSAGING_SYSTEM = 'pg-boss';

/**
 * The handler a job span ran, as `Class.method`: the semantic conventions' code attribute, the
 * module's only attribute that pg-boss has no use for.
 */
export const CODE_FUNCTION_NAME = 'code.function.name';

/** The instrumentation scope (tracer name) of the module's spans. */
export const INSTRUMENTATION_SCOPE = 'nest-pg-jobs';
