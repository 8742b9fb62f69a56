// Which start-up failures can heal while the app waits, and what to change for the others. Only
// causes known to pass are retried: a wrong password or an unknown database fails the same way on
// every attempt, and a minute of retries only hides it.

/** SQLSTATEs of a server that is starting, stopping, overloaded or failing over: they pass. */
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is shutting down (or the connection was terminated)
  '57P02', // crash_shutdown: another backend crashed, the server restarts
  '57P03', // cannot_connect_now: the server is starting up, shutting down or in recovery
  '53300', // too_many_connections: until others disconnect
  '53000', // insufficient_resources
  '53200', // out_of_memory
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout)
  '25006', // read_only_sql_transaction: a standby about to be promoted, during a failover
]);

/** Node's network error codes that pass: nothing listens yet, the network or DNS hiccups. */
const TRANSIENT_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EAI_AGAIN', // DNS temporary failure (ENOTFOUND, a name that does not exist, is not retried)
]);

/** node-postgres and pg-pool errors without a code: a connection lost or timed out. */
const TRANSIENT_MESSAGES =
  /^(?:Connection terminated|timeout expired|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error)/;

type ErrorLike = { code?: unknown; syscall?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

/**
 * Whether a failed `PgBoss.start()` may succeed if tried again: the connection was refused, reset
 * or timed out, DNS failed temporarily, or the server is starting up, shutting down, failing over
 * or out of connections (SQLSTATE class 08, 57P01-57P03, 53300...). Everything else (28P01 wrong
 * password, 28000, 3D000 unknown database, 42501 missing privilege, an invalid connection string,
 * a TLS error, a pg-boss assertion) fails the same way every time. Looks through `cause` and
 * `AggregateError.errors` (several addresses for one host name).
 */
export function isTransientStartError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, syscall, message, cause, errors } = error as ErrorLike;
  if (typeof code === 'string') {
    if (TRANSIENT_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    if (TRANSIENT_SYSTEM_CODES.has(code)) return true;
    // A Unix socket that does not exist yet: the server is not up.
    if (code === 'ENOENT' && syscall === 'connect') return true;
  }
  if (typeof message === 'string' && TRANSIENT_MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((e) => isTransientStartError(e, depth + 1))) return true;
  return isTransientStartError(cause, depth + 1);
}

/**
 * What to change for a start-up failure that retrying cannot fix, by SQLSTATE or Node error code;
 * `undefined` when there is nothing more specific to say than the cause itself.
 */
export function startErrorHint(error: unknown): string | undefined {
  const { code, name } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; name?: unknown };
  switch (code) {
    case '28P01':
      return 'check the user and password of the configured connection';
    case '28000':
      return "the server refused this user, database or address (pg_hba.conf): check the connection's user and database, or the server's pg_hba.conf";
    case '3D000':
      return 'check the database name of the configured connection, or create that database';
    case '42501':
      return (
        "grant the role what pg-boss needs, or have an administrator install pg-boss's schema and start with " +
        'connection: { createSchema: false } (or migrate: false); docs/security.md shows both'
      );
    case 'ERR_INVALID_URL':
      return 'the connection string is not a valid URL: write it as postgres://user:password@host:5432/database, percent-encoding special characters in the password';
    case 'ENOTFOUND':
      return 'the host name of the configured connection does not resolve: check it (when the database container starts after the app, start it first or let the orchestrator restart the app)';
    default:
      return name === 'AssertionError' ? 'pg-boss refused its configuration: change the option it names' : undefined;
  }
}
